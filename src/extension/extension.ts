import type * as vscode from 'vscode';
import { Drydock } from './drydock';

/** Exposed to the extension tests: the parts they inspect. */
export interface DrydockApi {
  drydock: Drydock;
}

export function activate(context: vscode.ExtensionContext): DrydockApi {
  const drydock = new Drydock(context);
  context.subscriptions.push(drydock);
  return { drydock };
}

export function deactivate(): void {}
