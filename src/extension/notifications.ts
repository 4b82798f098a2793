import * as vscode from 'vscode';
import type { BackendConnection } from './backendConnection';

/** Backend warnings as notifications with the actions that answer them. */
export function showBackendNotifications(connection: BackendConnection): vscode.Disposable {
  return connection.onEvent((event) => {
    if (event.type === 'deadline-warning' && event.reason === 'auto-off') {
      void vscode.window.showWarningMessage(event.message, 'Keep Working', 'Extend...').then(async (choice) => {
        if (choice === 'Keep Working') await (await connection.api()).activity(event.workspace, 'editor').catch(() => undefined);
        if (choice === 'Extend...') await vscode.commands.executeCommand('drydock.extend', event.workspace);
      });
    } else if (event.type === 'deadline-warning') {
      void vscode.window.showWarningMessage(event.message, 'Rebuild Now').then((choice) => {
        if (choice) void vscode.commands.executeCommand('drydock.rebuild', event.workspace);
      });
    } else if (event.type === 'auto-stopped') {
      void vscode.window.showInformationMessage(event.message, 'Rebuild').then((choice) => {
        if (choice) void vscode.commands.executeCommand('drydock.rebuild', event.workspace);
      });
    } else if (event.type === 'auto-start' && event.status !== 'started') {
      void vscode.window.showErrorMessage(event.message);
    } else if (event.type === 'warning') {
      void vscode.window.showWarningMessage(event.message);
    }
  });
}
