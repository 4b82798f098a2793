import { followBuild } from '../../client/buildFollower';
import { buildPrinter } from '../buildPrinter';
import { isDrydockError } from '../../core/errors';
import { parse, requireName, type Command } from '../context';

export const logs: Command = {
  usage: `drydock logs NAME [--build ID] [--follow] [--list]

Prints the last build's log, or build ID's. --follow streams the running build
live (from its start) and exits with its result. --list lists the kept builds.

Examples:
  drydock logs api
  drydock logs api --follow
  drydock logs api --list`,
  async run(context) {
    const { values, positionals } = parse(context.args, { build: { type: 'string' }, follow: { type: 'boolean', short: 'f' }, list: { type: 'boolean' } });
    const name = requireName(positionals);
    const client = await context.backend();
    if (values.follow) {
      try {
        const status = await followBuild(client, name, buildPrinter(context));
        return status === 'running' ? 0 : 1;
      } catch (error) {
        if (!isDrydockError(error, 'not_found')) throw error;
        context.err(`${name} is not building; showing its last build.`);
      }
    }
    const builds = await client.builds(name);
    if (values.list) {
      for (const build of builds) context.out(`${build.buildId}  ${build.modifiedAt}  ${build.sizeBytes} bytes`);
      return 0;
    }
    const buildId = values.build ?? builds[0]?.buildId;
    if (!buildId) {
      const workspace = await client.workspace(name);
      context.out(`${workspace.name} has no builds yet; build it with \`drydock rebuild ${name}\`.`);
      return 0;
    }
    context.out((await client.buildLog(name, buildId)).trimEnd());
    return 0;
  },
};
