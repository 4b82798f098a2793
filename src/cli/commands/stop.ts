import { parse, requireName, type Command } from '../context';

export const stop: Command = {
  usage: `drydock stop NAME

Sends SIGTERM, then SIGKILL after a grace period, and removes the container.
The home volume is kept; \`drydock rebuild NAME\` starts it again.

Example:
  drydock stop api`,
  async run(context) {
    const { positionals } = parse(context.args, {});
    const name = requireName(positionals);
    const workspace = await (await context.backend()).stop(name);
    context.out(`${name} is ${workspace.state}; its home volume ${workspace.homeVolume} is kept.`);
    return 0;
  },
};
