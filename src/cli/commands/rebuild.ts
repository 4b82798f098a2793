import type { RebuildSafetyView } from '../../api/views';
import { followOrReplay } from '../../client/buildFollower';
import { losesNothing, safetyHeading, safetyLines } from '../../client/rebuildSafetyText';
import type { DrydockClient } from '../../client/drydockClient';
import { errorMessage } from '../../core/errors';
import type { PullPolicy } from '../../core/imageReference';
import { buildPrinter } from '../buildPrinter';
import { UsageError, parse, pullPolicy, requireName, specChanges, type Command, type CommandContext } from '../context';

export const rebuild: Command = {
  usage: `drydock rebuild NAME [--image IMAGE] [--cpus N] [--memory SIZE] [--pull POLICY] [--yes]
drydock rebuild --all [--pull POLICY] [--yes]

Everything outside /home/<user> is replaced by the image's; home is kept byte
for byte. Without --yes it first lists what the rebuild would discard: files
changed outside home since the last build ended (not what the build's own
hooks wrote), largest first. In a terminal it asks; elsewhere (stdin not a
terminal) it refuses (exit 2). When nothing would be lost it asks nothing. Follows the build log; the
exit code is the build's result.

The image is pulled first, before anything of the running workspace changes:
a pull that fails (registry down, credentials refused, unknown tag) fails the
build and the workspace keeps running as it was. --pull always|missing|never
overrides the workspace's pull policy for this build only. Ctrl-C during the
pull cancels the build (nothing changed); later it only stops following.

--all rebuilds every workspace, one at a time, and reports each result (exit
1 if any failed). Without --yes off a terminal it rebuilds nothing if any of
them would lose changes.

Examples:
  drydock rebuild api
  drydock rebuild --all --yes
  drydock rebuild api --image ubuntu:24.04 --cpus 4 --memory 8g --yes
  drydock rebuild api --pull never --yes`,
  async run(context) {
    const { values, positionals } = parse(context.args, {
      image: { type: 'string' },
      cpus: { type: 'string' },
      memory: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      all: { type: 'boolean' },
      pull: { type: 'string' },
    });
    const changes = await specChanges(values);
    const pull = values.pull !== undefined ? pullPolicy(values.pull) : undefined;
    if (values.all) return rebuildAll(context, Boolean(values.yes), pull);
    const name = requireName(positionals);
    // What would be lost is a read, so it goes out alongside the version check; the rebuild itself only after it.
    const { client, value: lost } = values.yes
      ? { client: await context.backend(), value: undefined }
      : await context.read((backend) => discarded(backend, name));
    if (lost && !context.canAsk) refuse(context, [lost]);
    if (lost && !(await confirm(context, lost))) {
      context.err('Rebuild cancelled; nothing was changed.');
      return 1;
    }
    const started = await client.rebuild(name, changes, pull);
    const status = await follow(context, client, name, started.buildId);
    return status === 'running' ? 0 : 1;
  },
};

async function rebuildAll(context: CommandContext, yes: boolean, pull: PullPolicy | undefined): Promise<number> {
  const client = await context.backend();
  const workspaces = await client.listWorkspaces();
  if (!yes && !context.canAsk) {
    // Nobody to ask: decide before the first rebuild, so it is all of them or none.
    const lost: Discarded[] = [];
    for (const workspace of workspaces) {
      const changes = await discarded(client, workspace.name);
      if (changes) lost.push(changes);
    }
    if (lost.length > 0) refuse(context, lost);
  }
  const results: string[] = [];
  for (const workspace of workspaces) {
    // Asked just before each rebuild, so the list is current.
    const lost = !yes && context.canAsk ? await discarded(client, workspace.name) : undefined;
    if (lost && !(await confirm(context, lost))) {
      results.push(`${workspace.name}: skipped`);
      continue;
    }
    context.out(`### ${workspace.name}`);
    try {
      const started = await client.rebuild(workspace.name, {}, pull);
      results.push(`${workspace.name}: ${await follow(context, client, workspace.name, started.buildId)}`);
    } catch (error) {
      results.push(`${workspace.name}: failed (${errorMessage(error)})`);
    }
  }
  context.out(results.length > 0 ? results.join('\n') : 'No workspaces to rebuild.');
  return results.some((line) => !/: (running|skipped)$/.test(line)) ? 1 : 0;
}

/**
 * Prints the build as it runs (or its log, if it already ended) and resolves
 * with its status. The first Ctrl-C asks the backend to cancel (honoured
 * while the build pulls); the second stops following.
 */
async function follow(context: CommandContext, client: DrydockClient, name: string, buildId: string): Promise<string> {
  let interrupts = 0;
  const onInterrupt = (): void => {
    if (++interrupts > 1) process.exit(130);
    context.err('Cancelling the build (Ctrl-C again stops following; the build then goes on)...');
    client.cancelBuild(name).catch((error: unknown) => context.err(`Not cancelled: ${errorMessage(error)}`));
  };
  process.on('SIGINT', onInterrupt);
  try {
    return await followOrReplay(client, name, buildId, buildPrinter(context), context.out);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** What rebuilding one workspace would discard: its files changed outside home. */
interface Discarded {
  name: string;
  list: RebuildSafetyView;
}

/** Undefined when nothing outside home changed since the last build: then nobody is asked. */
async function discarded(client: DrydockClient, name: string): Promise<Discarded | undefined> {
  const list = await client.rebuildSafety(name);
  return losesNothing(list) ? undefined : { name, list };
}

function listDiscarded(context: CommandContext, { name, list }: Discarded): void {
  context.err(`Rebuilding ${name}: ${safetyHeading(list)}`);
  for (const line of safetyLines(list)) context.err(`  ${line}`);
}

/** Off a terminal nobody can be asked: lists what would be lost and stops with exit 2. */
function refuse(context: CommandContext, lost: Discarded[]): never {
  for (const workspace of lost) listDiscarded(context, workspace);
  const names = lost.map((workspace) => workspace.name).join(', ');
  throw new UsageError(
    `nothing was rebuilt: rebuilding ${names} would discard the changes above, and there is no terminal to ask; pass --yes to rebuild anyway`,
    false,
  );
}

async function confirm(context: CommandContext, lost: Discarded): Promise<boolean> {
  listDiscarded(context, lost);
  return context.ask('Rebuild anyway?');
}
