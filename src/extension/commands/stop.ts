import * as vscode from 'vscode';
import { api, chooseWorkspace, reportError, type CommandContext } from './context';

/** Stop: the container goes, home and the spec stay for the next build. */
export async function stopWorkspace(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to stop', (state) => state === 'running' || state === 'failed');
  if (!name) return;
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Stopping ${name}...` }, async () => {
      await (await api(context)).stop(name);
    });
  } catch (error) {
    reportError(context, `Could not stop ${name}`, error, name);
  }
}
