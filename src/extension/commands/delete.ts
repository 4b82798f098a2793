import * as vscode from 'vscode';
import { api, chooseWorkspace, reportError, type CommandContext } from './context';

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
    const typed = await vscode.window.showInputBox({
      title: `Type ${name} to delete its home volume for good`,
      validateInput: (value) => (value === name ? undefined : `Type ${name} exactly.`),
    });
    if (typed !== name) return;
    deleteHome = true;
  }
  try {
    await (await api(context)).deleteWorkspace(name, { deleteHome });
    if (context.current.name === name) await context.current.set(undefined);
  } catch (error) {
    reportError(context, `Could not delete ${name}`, error, name);
  }
}
