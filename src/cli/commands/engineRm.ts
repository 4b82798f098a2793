import { parse, requireName, type Command } from '../context';

export const engineRm: Command = {
  usage: `drydock engine rm NAME

Forgets an engine. Refused while workspaces of yours live there (their homes
are on it): delete them first. Nothing on the engine is changed.

Example:
  drydock engine rm big`,
  async run(context) {
    const { positionals } = parse(context.args, {});
    const name = requireName(positionals);
    await (await context.backend()).removeEngine(name);
    context.out(`Removed engine ${name}.`);
    return 0;
  },
};
