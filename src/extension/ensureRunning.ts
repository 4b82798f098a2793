import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { CommandContext } from './commands/context';

/**
 * Rebuilds a workspace and waits, with progress, until its build has ended.
 * Resolves true when it runs; a failed build is reported with the log one
 * click away.
 */
export async function rebuildAndWait(context: CommandContext, name: string): Promise<boolean> {
  const client = await context.connection.api();
  context.output.reveal(name);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rebuilding ${name}`, cancellable: false }, async (progress) => {
    let subscription: vscode.Disposable | undefined;
    const finished = new Promise<string>((resolve) => {
      let buildId: string | undefined;
      subscription = context.connection.onEvent((event) => {
        if (event.type === 'build-log' && event.workspace === name && event.entry.kind === 'step-start') progress.report({ message: event.entry.text });
        if (event.type !== 'workspace' || event.workspace.name !== name) return;
        const last = event.workspace.lastBuild;
        if (last && last.status !== 'building' && buildId !== undefined && last.buildId === buildId) resolve(last.status);
      });
      void client.rebuild(name, {}).then(
        async (started) => {
          buildId = started.buildId;
          // The build may have ended before its id was known here.
          const now = await client.workspace(name);
          if (now.lastBuild?.buildId === buildId && now.lastBuild.status !== 'building') resolve(now.lastBuild.status);
        },
        (error: unknown) => resolve(`failed: ${errorMessage(error)}`),
      );
    });
    try {
      const status = await finished;
      if (status === 'running') return true;
      void vscode.window.showErrorMessage(`Rebuild of ${name} did not finish running (${status}); see its output.`, 'Show Output').then((choice) => {
        if (choice) context.output.channel(name).show();
      });
      return false;
    } finally {
      subscription?.dispose();
    }
  });
}

/** A workspace that is not running is offered a rebuild first (`assumeYes` skips the question, for a button already pressed). */
export async function ensureRunning(context: CommandContext, name: string, purpose: string, assumeYes = false): Promise<boolean> {
  const client = await context.connection.api();
  const workspace = await client.workspace(name);
  if (workspace.state === 'running') return true;
  if (!assumeYes) {
    const choice = await vscode.window.showWarningMessage(
      `Workspace ${name} is ${workspace.state}. Rebuild it to ${purpose}? Its home is kept.`,
      { modal: true },
      'Rebuild',
    );
    if (choice !== 'Rebuild') return false;
  }
  return rebuildAndWait(context, name);
}
