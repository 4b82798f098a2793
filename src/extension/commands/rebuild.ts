import * as vscode from 'vscode';
import { api, chooseWorkspace, reportError, type CommandContext } from './context';

/** Rebuild: shows what will be lost outside home and asks in a modal first; progress in a notification. */
export async function rebuildWorkspace(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to rebuild', (state) => state !== 'building');
  if (!name) return;
  try {
    const client = await api(context);
    const changes = await client.rebuildSafety(name);
    const lost = changes.slice(0, 12).map((change) => `${change.kind} ${change.path}`);
    const detail =
      changes.length === 0
        ? 'Nothing outside home has changed; home is kept as it is.'
        : `These changes outside home will be lost (home is kept):\n${lost.join('\n')}${changes.length > lost.length ? `\n... and ${changes.length - lost.length} more` : ''}`;
    const choice = await vscode.window.showWarningMessage(`Rebuild ${name} from its image?`, { modal: true, detail }, 'Rebuild');
    if (choice !== 'Rebuild') return;
    context.output.reveal(name);
    const started = await client.rebuild(name, {});
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Rebuilding ${name}`, cancellable: false },
      (progress) =>
        new Promise<void>((resolve) => {
          const subscription = context.connection.onEvent((event) => {
            if (event.type === 'build-log' && event.workspace === name && event.entry.kind === 'step-start') progress.report({ message: event.entry.text });
            if (
              event.type === 'workspace' &&
              event.workspace.name === name &&
              event.workspace.lastBuild?.buildId === started.buildId &&
              event.workspace.lastBuild.status !== 'building'
            ) {
              subscription.dispose();
              if (event.workspace.lastBuild.status !== 'running')
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
