import * as vscode from 'vscode';
import { attachedContainerUri } from '../../core/devContainers';
import { containerName, homeDir } from '../../core/names';
import { ensureRunning } from '../ensureRunning';
import { chooseWorkspace, reportError, type CommandContext } from './context';

export const DEV_CONTAINERS_EXTENSION = 'ms-vscode-remote.remote-containers';

/** Attach with Dev Containers: the full remote experience (search, extensions in the container), when that extension is installed. */
export async function attachWithDevContainers(context: CommandContext, argument: unknown): Promise<void> {
  if (!vscode.extensions.getExtension(DEV_CONTAINERS_EXTENSION)) {
    void vscode.window.showInformationMessage(`Attach with Dev Containers needs the Dev Containers extension (${DEV_CONTAINERS_EXTENSION}); install it first.`);
    return;
  }
  const name = await chooseWorkspace(context, argument, 'Workspace to attach to');
  if (!name) return;
  try {
    if (!(await ensureRunning(context, name, 'attach to it'))) return;
    const workspace = await (await context.connection.api()).workspace(name);
    const uri = vscode.Uri.parse(attachedContainerUri(containerName(name), workspace.user ? homeDir(workspace.user) : '/'));
    await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
  } catch (error) {
    reportError(context, `Could not attach to ${name}`, error, name);
  }
}
