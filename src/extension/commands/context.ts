import type { EngineCache } from '../engineCache';
import * as vscode from 'vscode';
import type { DrydockClient } from '../../client/drydockClient';
import { errorMessage, isDrydockError } from '../../core/errors';
import type { ActivityTracker } from '../activityTracker';
import type { BackendConnection } from '../backendConnection';
import type { BuildOutput } from '../buildOutput';
import type { CurrentWorkspace } from '../currentWorkspace';
import type { WorkspaceCache } from '../workspaceCache';
import type { TreeNode } from '../workspacesTree';

/** What every command gets from the composition root. */
export interface CommandContext {
  connection: BackendConnection;
  cache: WorkspaceCache;
  engines: EngineCache;
  current: CurrentWorkspace;
  output: BuildOutput;
  activity: ActivityTracker;
}

/** The workspace a command is about: the tree item it was run on, a name, or one the user picks. */
export async function chooseWorkspace(
  context: CommandContext,
  argument: unknown,
  placeHolder: string,
  filter?: (state: string) => boolean,
): Promise<string | undefined> {
  if (typeof argument === 'string') return argument;
  const node = argument as TreeNode | undefined;
  if (node?.kind === 'workspace') return node.workspace.name;
  if (node?.kind === 'detail') return node.workspace;
  const candidates = context.cache.all().filter((workspace) => !filter || filter(workspace.state));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('No workspace fits; create one first.', 'Create Workspace').then((choice) => {
      if (choice) void vscode.commands.executeCommand('drydock.create');
    });
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((workspace) => ({ label: workspace.name, description: workspace.state, detail: workspace.image })),
    { placeHolder },
  );
  return picked?.label;
}

export async function api(context: CommandContext): Promise<DrydockClient> {
  return context.connection.api();
}

/** One sentence saying what failed and what to do, with the log one click away; cancellations stay silent. */
export function reportError(context: CommandContext, what: string, error: unknown, workspace?: string): void {
  if (isDrydockError(error, 'interrupted')) return;
  const actions = workspace ? ['Show Output'] : [];
  void vscode.window.showErrorMessage(`${what}: ${errorMessage(error)}`, ...actions).then((choice) => {
    if (choice === 'Show Output' && workspace) context.output.channel(workspace).show();
  });
}
