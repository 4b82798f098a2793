import type { ApiClient } from '../backend/api/client';
import { paths, type BuildLogEntryView, type WorkspaceView } from '../backend/api/protocol';
import { isDrydockError } from '../core/errors';

/** One build log entry as the terminal shows it. */
export function formatEntry(entry: BuildLogEntryView): string {
  switch (entry.kind) {
    case 'step-start':
      return `==> ${entry.text}`;
    case 'step-end': {
      const details = [entry.exitCode !== undefined ? `exit ${entry.exitCode}` : '', entry.durationMs !== undefined ? `${(entry.durationMs / 1000).toFixed(1)}s` : ''].filter(Boolean).join(', ');
      return `<== [${entry.status ?? 'ok'}] ${entry.step ?? entry.text}${details ? ` (${details})` : ''}${entry.note ? `: ${entry.note}` : ''}`;
    }
    case 'output':
      return `    ${entry.text}`;
    case 'warn':
      return `warning: ${entry.text}`;
    case 'result':
      return `=== build ${entry.status ?? ''}${entry.text ? `: ${entry.text}` : ''}`;
    default:
      return entry.text;
  }
}

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
