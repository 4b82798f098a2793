import type { BuildLogEntryView } from '../api/views';
import { DrydockError, isDrydockError } from '../core/errors';
import type { DrydockClient } from './drydockClient';
import { isBackendDown } from './transport';

/**
 * Follows the running build of `workspace` from its start, handing each log
 * entry to `onEntry`, and resolves with its final status (running, failed or
 * interrupted). Throws not_found when nothing is building, and backend_down
 * saying how to see the result when the backend goes away meanwhile.
 */
export async function followBuild(
  client: DrydockClient,
  workspace: string,
  onEntry: (entry: BuildLogEntryView) => void,
  signal?: AbortSignal,
): Promise<string> {
  let status = 'interrupted';
  let following = false;
  try {
    await client.followBuild(
      workspace,
      (event) => {
        following = true;
        if (event.event !== 'message') return;
        onEntry(event.data);
        if (event.data.kind === 'result') status = event.data.status ?? 'failed';
      },
      signal,
    );
  } catch (error) {
    // The stream broke after it began: the build may well go on (a graceful stop lets it finish), so point at where its result will be.
    if (following && isBackendDown(error)) {
      throw new DrydockError(
        'backend_down',
        `the Drydock backend went away during the build of ${workspace} (it was stopped or died), so its end was not seen here. ` +
          `\`drydock daemon status\` says whether the backend runs; \`drydock logs ${workspace}\` shows the build's log and result (starting the backend again if need be).`,
      );
    }
    throw error;
  }
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
    // The stream ends once the workspace's record shows the build's end, so its new state is what a caller reads next.
    const status = await followBuild(client, workspace, onEntry);
    return status;
  } catch (error) {
    if (!isDrydockError(error, 'not_found')) throw error;
  }
  onReplay((await client.buildLog(workspace, buildId)).trimEnd());
  const view = await client.workspace(workspace);
  return view.lastBuild?.buildId === buildId ? view.lastBuild.status : 'failed';
}
