import { createInterface } from 'node:readline/promises';
import { followOrReplay } from '../../client/buildFollower';
import { formatEntry } from '../../client/buildLogFormat';
import type { DrydockClient } from '../../client/drydockClient';
import { errorMessage } from '../../core/errors';
import { parse, requireName, specChanges, type Command, type CommandContext } from '../context';

export const rebuild: Command = {
  name: 'rebuild',
  summary: 'rebuild a workspace from its image (update, new resources, restart)',
  usage: `drydock rebuild NAME [--image IMAGE] [--cpus N] [--memory SIZE] [--yes]
drydock rebuild --all [--yes]

Everything outside /home/<user> is replaced by the image's; home is kept byte
for byte. In a terminal, without --yes, it first lists what the rebuild will
discard (files changed outside home) and asks. Follows the build log; the exit
code is the build's result.

--all rebuilds every workspace, one at a time, and reports each result (exit
1 if any failed).

Examples:
  drydock rebuild api
  drydock rebuild --all --yes
  drydock rebuild api --image ubuntu:24.04 --cpus 4 --memory 8g --yes`,
  async run(context) {
    const { values, positionals } = parse(context.args, {
      image: { type: 'string' },
      cpus: { type: 'string' },
      memory: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      all: { type: 'boolean' },
    });
    const changes = await specChanges(values);
    const client = await context.backend();
    if (values.all) return rebuildAll(context, Boolean(values.yes));
    const name = requireName(positionals);
    if (!values.yes && context.isTty && process.stdin.isTTY && !(await confirm(context, name))) {
      context.err('Rebuild cancelled; nothing was changed.');
      return 1;
    }
    const started = await client.rebuild(name, changes);
    const status = await follow(context, client, name, started.buildId);
    return status === 'running' ? 0 : 1;
  },
};

async function rebuildAll(context: CommandContext, yes: boolean): Promise<number> {
  const client = await context.backend();
  const workspaces = await client.listWorkspaces();
  const results: string[] = [];
  for (const workspace of workspaces) {
    if (!yes && context.isTty && process.stdin.isTTY && !(await confirm(context, workspace.name))) {
      results.push(`${workspace.name}: skipped`);
      continue;
    }
    context.out(`### ${workspace.name}`);
    try {
      const started = await client.rebuild(workspace.name);
      results.push(`${workspace.name}: ${await follow(context, client, workspace.name, started.buildId)}`);
    } catch (error) {
      results.push(`${workspace.name}: failed (${errorMessage(error)})`);
    }
  }
  context.out(results.length > 0 ? results.join('\n') : 'No workspaces to rebuild.');
  return results.some((line) => !/: (running|skipped)$/.test(line)) ? 1 : 0;
}

/** Prints the build as it runs (or its log, if it already ended) and resolves with its status. */
function follow(context: CommandContext, client: DrydockClient, name: string, buildId: string): Promise<string> {
  return followOrReplay(client, name, buildId, (entry) => context.out(formatEntry(entry)), context.out);
}

async function confirm(context: CommandContext, name: string): Promise<boolean> {
  const client = await context.backend();
  const changes = await client.rebuildSafety(name);
  if (changes.length === 0) return true;
  context.out(`Rebuilding ${name} discards these changes made outside home:`);
  for (const change of changes.slice(0, 30)) context.out(`  ${change.kind.padEnd(8)} ${change.path}`);
  if (changes.length > 30) context.out(`  ... and ${changes.length - 30} more`);
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question('Rebuild anyway? [y/N] ')).trim());
  } finally {
    prompt.close();
  }
}
