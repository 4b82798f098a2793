import { parse, requireName, type Command } from '../context';

export const engineDefault: Command = {
  usage: `drydock engine default NAME

Makes NAME the engine create uses without --engine ("local" goes back to
the engine Drydock finds by itself).

Example:
  drydock engine default big`,
  async run(context) {
    const { positionals } = parse(context.args, {});
    const name = requireName(positionals);
    await (await context.backend()).setDefaultEngine(name);
    context.out(`New workspaces go to engine ${name} unless created with --engine.`);
    return 0;
  },
};
