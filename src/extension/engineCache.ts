import * as vscode from 'vscode';
import type { EngineView } from '../api/views';
import type { BackendConnection } from './backendConnection';

/** Bursts (a build's events, several engines answering) settle into one read. */
const SETTLE_MS = 300;

/**
 * The backend's engines as the tree and Create Workspace show them, read
 * again when an engine comes or goes (its reachability, add, rm, default) and
 * when a workspace changes (the engine's load). Empty until connected.
 */
export class EngineCache implements vscode.Disposable {
  private engines: EngineView[] = [];
  private pending: NodeJS.Timeout | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[] = [];
  readonly onDidChange = this.emitter.event;

  constructor(private readonly connection: BackendConnection) {
    this.subscriptions.push(
      connection.onEvent((event) => {
        if (['docker', 'engines-changed', 'workspace', 'workspace-removed'].includes(event.type)) this.refresh();
      }),
      connection.onDidChangeState((state) => {
        if (state.kind === 'connected') this.refresh();
      }),
    );
  }

  all(): EngineView[] {
    return this.engines;
  }

  /** Reads them again now (Create Workspace asks before offering them). */
  async reload(): Promise<EngineView[]> {
    const client = await this.connection.api();
    this.engines = await client.engines();
    this.emitter.fire();
    return this.engines;
  }

  dispose(): void {
    clearTimeout(this.pending);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.emitter.dispose();
  }

  private refresh(): void {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      // A backend that is away now is the connection's to report.
      this.reload().catch(() => undefined);
    }, SETTLE_MS);
  }
}
