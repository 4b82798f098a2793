import { UsageError, parse, requireName, type Command } from '../context';
import { homeVolumeName } from '../../core/names';

export const rm: Command = {
  name: 'rm',
  summary: 'delete a workspace (home is kept unless --delete-home --yes)',
  usage: `drydock rm NAME [--delete-home --yes]

Removes the workspace and its container. The home volume is kept (create a
workspace of the same name to use it again) unless --delete-home is given,
which needs --yes too: that deletes the home's files for good.

Examples:
  drydock rm api
  drydock rm api --delete-home --yes`,
  async run(context) {
    const { values, positionals } = parse(context.args, { 'delete-home': { type: 'boolean' }, yes: { type: 'boolean', short: 'y' } });
    const name = requireName(positionals);
    if (values['delete-home'] && !values.yes) throw new UsageError('--delete-home deletes every file in the home volume for good; add --yes to confirm');
    await (await context.backend()).deleteWorkspace(name, { deleteHome: Boolean(values['delete-home']) });
    context.out(values['delete-home'] ? `Deleted ${name} and its home volume.` : `Deleted ${name}; its home volume ${homeVolumeName(name)} is kept.`);
    return 0;
  },
};
