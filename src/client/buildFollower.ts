import type { BuildLogEntryView } from '../api/views';
import { isDrydockError } from '../core/errors';
import type { DrydockClient } from './drydockClient';

/**
 * Follows the running build of `workspace` from its start, handing each log
 * entry to `onEntry`, and resolves with its final status (running, failed or
 * interrupted). Throws not_found when nothing is building.
 */
export async function followBuild(
  client: DrydockClient,
  workspace: string,
  onEntry: (entry: BuildLogEntryView) => void,
  signal?: AbortSignal,
): Promise<string> {
  let status = 'interrupted';
  await client.followBuild(
    workspace,
    (event) => {
      if (event.event !== 'message') return;
      onEntry(event.data);
      if (event.data.kind === 'result') status = event.data.status ?? 'failed';
    },
    signal,
  );
  return status;
}

/**
 * Follows build `buildId` if it still runs; one that already ended (a fast
 * build) is replayed from its log file instead. Resolves with its status.
 */
export async function followOrReplay(
  client: DrydockClient,
  workspace: string,
  buildId: string,
  onEntry: (entry: BuildLogEntryView) => void,
  onReplay: (text: string) => void,
): Promise<string> {
  try {
    return await followBuild(client, workspace, onEntry);
  } catch (error) {
    if (!isDrydockError(error, 'not_found')) throw error;
  }
  onReplay((await client.buildLog(workspace, buildId)).trimEnd());
  const view = await client.workspace(workspace);
  return view.lastBuild?.buildId === buildId ? view.lastBuild.status : 'failed';
}
