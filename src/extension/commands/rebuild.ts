import * as vscode from 'vscode';
import type { RebuildSafetyView } from '../../api/views';
import { safetyHeading, safetyLines } from '../../client/rebuildSafetyText';
import { errorMessage } from '../../core/errors';
import { api, chooseWorkspace, reportError, type CommandContext } from './context';

/**
 * Rebuild: shows what will be lost outside home and asks in a modal first
 * ("Rebuild Without Pulling" keeps the engine's copy of the image); progress,
 * the pull's included, in a notification whose Cancel stops the build while
 * it pulls (the workspace stays as it was).
 */
export async function rebuildWorkspace(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to rebuild', (state) => state !== 'building');
  if (!name) return;
  try {
    const client = await api(context);
    const detail = rebuildModalDetail(await client.rebuildSafety(name));
    const choice = await vscode.window.showWarningMessage(`Rebuild ${name} from its image?`, { modal: true, detail }, 'Rebuild', 'Rebuild Without Pulling');
    if (!choice) return;
    context.output.reveal(name);
    const started = await client.rebuild(name, {}, choice === 'Rebuild' ? undefined : 'never');
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Rebuilding ${name}`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          token.onCancellationRequested(() => {
            client
              .cancelBuild(name)
              .catch((error: unknown) => void vscode.window.showInformationMessage(`The rebuild of ${name} goes on: ${errorMessage(error)}`));
          });
          const subscription = context.connection.onEvent((event) => {
            const live = event.type === 'build-log' && event.workspace === name && (event.entry.kind === 'step-start' || event.entry.kind === 'progress');
            if (live) progress.report({ message: event.entry.text });
            if (
              event.type === 'workspace' &&
              event.workspace.name === name &&
              event.workspace.lastBuild?.buildId === started.buildId &&
              event.workspace.lastBuild.status !== 'building'
            ) {
              subscription.dispose();
              if (event.workspace.lastBuild.status === 'interrupted')
                void vscode.window.showInformationMessage(`Rebuild of ${name} cancelled; nothing was changed.`);
              else if (event.workspace.lastBuild.status !== 'running')
                reportError(context, `Rebuild of ${name} failed`, new Error(event.workspace.lastBuild.message ?? 'see the output'), name);
              resolve();
            }
          });
        }),
    );
  } catch (error) {
    reportError(context, `Could not rebuild ${name}`, error, name);
  }
}

/** The modal's text: the same heading and lines as `drydock rebuild` prints. */
export function rebuildModalDetail(list: RebuildSafetyView): string {
  return [safetyHeading(list), ...safetyLines(list)].join('\n');
}
