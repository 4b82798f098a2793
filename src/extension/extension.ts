import type * as vscode from 'vscode';
import { Drydock } from './drydock';

/** Exposed to the extension tests: the parts they inspect. */
export interface DrydockApi {
  drydock: Drydock;
  /** How long activate() took, for the benchmark (target: under 50 ms). */
  activationMs: number;
}

export function activate(context: vscode.ExtensionContext): DrydockApi {
  const started = performance.now();
  const drydock = new Drydock(context);
  context.subscriptions.push(drydock);
  return { drydock, activationMs: performance.now() - started };
}

export function deactivate(): void {}
