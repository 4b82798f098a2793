import * as vscode from 'vscode';
import type { WorkspaceView } from '../api/views';
import type { BackendConnection } from './backendConnection';

/**
 * The latest view of each workspace, as the backend's event stream reports
 * it (the stream starts with every workspace). The extension keeps no state
 * of its own beyond this mirror.
 */
export class WorkspaceCache implements vscode.Disposable {
  private readonly workspaces = new Map<string, WorkspaceView>();
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[] = [];
  readonly onDidChange = this.emitter.event;

  constructor(connection: BackendConnection) {
    this.subscriptions.push(
      connection.onEvent((event) => {
        if (event.type === 'workspace') this.workspaces.set(event.workspace.name, event.workspace);
        else if (event.type === 'workspace-removed') this.workspaces.delete(event.name);
        else return;
        this.emitter.fire();
      }),
      connection.onDidChangeState((state) => {
        // A new connection replays every workspace; start clean so deleted ones vanish.
        if (state.kind === 'connecting') this.workspaces.clear();
        this.emitter.fire();
      }),
    );
  }

  all(): WorkspaceView[] {
    return [...this.workspaces.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): WorkspaceView | undefined {
    return this.workspaces.get(name);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.emitter.dispose();
  }
}
