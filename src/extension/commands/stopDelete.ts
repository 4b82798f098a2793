import * as vscode from 'vscode';
import { paths } from '../../backend/api/protocol';
import { api, chooseWorkspace, reportError, type CommandContext } from './context';

export async function stopWorkspace(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to stop', (state) => state === 'running' || state === 'failed');
  if (!name) return;
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Stopping ${name}...` }, async () => {
      await (await api(context)).request('POST', paths.stop(name));
    });
  } catch (error) {
    reportError(context, `Could not stop ${name}`, error, name);
  }
}

/** Delete: a modal; deleting the home volume too needs the workspace's name typed. */
export async function deleteWorkspace(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to delete');
  if (!name) return;
  const choice = await vscode.window.showWarningMessage(
    `Delete ${name}?`,
    { modal: true, detail: 'Keeping the home volume lets a new workspace of the same name use it again. Deleting it removes every file in home for good.' },
    'Delete, Keep Home',
    'Delete Home Too...',
  );
  if (!choice) return;
  let deleteHome = false;
  if (choice === 'Delete Home Too...') {
    const typed = await vscode.window.showInputBox({ title: `Type ${name} to delete its home volume for good`, validateInput: (value) => (value === name ? undefined : `Type ${name} exactly.`) });
    if (typed !== name) return;
    deleteHome = true;
  }
  try {
    await (await api(context)).request('DELETE', `${paths.workspace(name)}${deleteHome ? '?deleteHome=true' : ''}`);
    if (context.current.name === name) await context.current.set(undefined);
  } catch (error) {
    reportError(context, `Could not delete ${name}`, error, name);
  }
}
