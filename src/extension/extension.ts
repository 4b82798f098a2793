import * as vscode from 'vscode';
import { VERSION } from '../core/version';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Drydock');
  context.subscriptions.push(output);
  output.appendLine(`Drydock ${VERSION} activated.`);
}

export function deactivate(): void {}
