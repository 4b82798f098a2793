import * as vscode from 'vscode';
import { paths } from '../../backend/api/protocol';
import { openWorkspaceTerminal } from '../workspaceTerminal';
import { api, chooseWorkspace, reportError, type CommandContext } from './context';

/** Open Terminal: an integrated terminal in the workspace as its user; it becomes the current workspace. */
export async function openTerminal(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to open a terminal in', (state) => state === 'running');
  if (!name) return;
  await context.current.set(name);
  openWorkspaceTerminal(context.connection, name, () => context.activity.heartbeat(true)).show();
}

/** Show Build Log: the live channel, or an earlier build's kept log in an editor. */
export async function showBuildLog(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace whose build log to show');
  if (!name) return;
  try {
    const client = await api(context);
    const { builds } = await client.request<{ builds: { buildId: string; modifiedAt: string }[] }>('GET', paths.builds(name));
    if (builds.length === 0) {
      void vscode.window.showInformationMessage(`${name} has no builds yet.`);
      return;
    }
    const picked = await vscode.window.showQuickPick(
      builds.map((build, index) => ({ label: build.buildId, description: `${new Date(build.modifiedAt).toLocaleString()}${index === 0 ? ' (latest)' : ''}` })),
      { placeHolder: `Build logs of ${name}` },
    );
    if (!picked) return;
    const text = await client.text(paths.buildLog(name, picked.label));
    const document = await vscode.workspace.openTextDocument({ content: text, language: 'log' });
    await vscode.window.showTextDocument(document, { preview: true });
  } catch (error) {
    reportError(context, `Could not show the build log of ${name}`, error, name);
  }
}

export async function setCurrent(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'The workspace this window works in');
  if (name) await context.current.set(name);
}

/** The status bar item's click: extend, stop now, or switch. */
export async function statusBarActions(context: CommandContext): Promise<void> {
  const name = context.current.name;
  if (!name) return setCurrent(context, undefined);
  const picked = await vscode.window.showQuickPick(['Extend...', 'Stop Now', 'Switch Workspace...'], { placeHolder: name });
  if (picked === 'Extend...') await vscode.commands.executeCommand('drydock.extend', name);
  if (picked === 'Stop Now') await vscode.commands.executeCommand('drydock.stop', name);
  if (picked === 'Switch Workspace...') await setCurrent(context, undefined);
}
