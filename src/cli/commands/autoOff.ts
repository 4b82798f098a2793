import { UsageError, parse, requireName, type Command } from '../context';

export const autooff: Command = {
  usage: `drydock autooff NAME DURATION|off|inherit

Sets how long the workspace may sit idle before it is stopped, within what the
organization policy allows (\`drydock policy\` shows it). "inherit" follows
the policy's default.

Examples:
  drydock autooff api 90m
  drydock autooff api off
  drydock autooff api inherit`,
  async run(context) {
    const { positionals } = parse(context.args, {});
    const name = requireName(positionals);
    const setting = positionals[1];
    if (!setting) throw new UsageError('missing the setting: a duration such as 90m, off, or inherit');
    const workspace = await (await context.backend()).setAutoOff(name, setting);
    const autoOff = workspace.autoOff;
    context.out(
      `${name}: auto-off ${autoOff?.threshold ?? setting} (${autoOff?.source ?? 'workspace'}${autoOff?.locked ? ', locked by policy' : ''})${workspace.deadline ? `; stops at ${workspace.deadline} without activity` : ''}.`,
    );
    return 0;
  },
};
