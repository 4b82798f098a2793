import * as vscode from 'vscode';
import type { CommandContext } from './context';
import { setCurrent } from './setCurrent';

/** The status bar item's click: extend, stop now, or switch. */
export async function statusBarActions(context: CommandContext): Promise<void> {
  const name = context.current.name;
  if (!name) return setCurrent(context, undefined);
  const picked = await vscode.window.showQuickPick(['Extend...', 'Stop Now', 'Switch Workspace...'], { placeHolder: name });
  if (picked === 'Extend...') await vscode.commands.executeCommand('drydock.extend', name);
  if (picked === 'Stop Now') await vscode.commands.executeCommand('drydock.stop', name);
  if (picked === 'Switch Workspace...') await setCurrent(context, undefined);
}
