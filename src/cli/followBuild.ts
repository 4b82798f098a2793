import type { ApiClient } from '../backend/api/client';
import { paths, type BuildLogEntryView, type WorkspaceView } from '../backend/api/protocol';
import { isDrydockError } from '../core/errors';
import { formatEntry } from '../backend/api/logFormat';

/**
 * Prints the workspace's running build as it happens (from its start) and
 * resolves with its final status: running, failed or interrupted.
 */
export async function followBuild(client: ApiClient, workspace: string, print: (line: string) => void): Promise<string> {
  let status = 'interrupted';
  await client.stream(paths.followBuild(workspace), (data, event) => {
    if (event !== 'message') return;
    const entry = data as BuildLogEntryView;
    print(formatEntry(entry));
    if (entry.kind === 'result') status = entry.status ?? 'failed';
  });
  return status;
}

/**
 * Follows build `buildId` if it still runs; a build that already ended (a
 * fast one) is printed from its log file instead. Resolves with its status.
 */
export async function followOrReplay(client: ApiClient, workspace: string, buildId: string, print: (line: string) => void): Promise<string> {
  try {
    return await followBuild(client, workspace, print);
  } catch (error) {
    if (!isDrydockError(error, 'not_found')) throw error;
  }
  print((await client.text(paths.buildLog(workspace, buildId))).trimEnd());
  const { workspace: view } = await client.request<{ workspace: WorkspaceView }>('GET', paths.workspace(workspace));
  return view.lastBuild?.buildId === buildId ? view.lastBuild.status : 'failed';
}
