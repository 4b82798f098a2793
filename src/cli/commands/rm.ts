import { UsageError, parse, requireName, type Command } from '../context';
import { homeVolumeName } from '../../core/names';

export const rm: Command = {
  usage: `drydock rm NAME [--yes] [--delete-home --yes]

Removes the workspace and its container. The home volume is kept (create a
workspace of the same name to use it again) unless --delete-home is given,
which needs --yes too: that deletes the home's files for good.

A workspace that has a container (running, or kept after a failed build)
loses it and every change made outside home: in a terminal rm first asks;
elsewhere (stdin not a terminal) it needs --yes.

Examples:
  drydock rm api
  drydock rm api --yes
  drydock rm api --delete-home --yes`,
  async run(context) {
    const { values, positionals } = parse(context.args, { 'delete-home': { type: 'boolean' }, yes: { type: 'boolean', short: 'y' } });
    const name = requireName(positionals);
    const deleteHome = Boolean(values['delete-home']);
    if (deleteHome && !values.yes) throw new UsageError('--delete-home deletes every file in the home volume for good; pass --yes to confirm');
    const client = await context.backend();
    if (!values.yes) {
      const workspace = await client.workspace(name);
      if (workspace.containerId !== undefined) {
        const loss = `${name} is ${workspace.state}: rm removes its container and every change made outside home (home, ${workspace.homeVolume}, is kept)`;
        if (!context.canAsk) throw new UsageError(`${loss}; pass --yes to confirm`, false);
        if (!(await context.ask(`${loss}. Delete ${name}?`))) {
          context.err(`${name} was not deleted; nothing was changed.`);
          return 1;
        }
      }
    }
    await client.deleteWorkspace(name, { deleteHome });
    context.out(deleteHome ? `Deleted ${name} and its home volume.` : `Deleted ${name}; its home volume ${homeVolumeName(name)} is kept.`);
    return 0;
  },
};
