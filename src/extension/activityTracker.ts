import * as vscode from 'vscode';
import type { BackendConnection } from './backendConnection';
import type { CurrentWorkspace } from './currentWorkspace';

const LEASE_TTL = '2m';
const LEASE_RENEW_MS = 40_000;

/**
 * Editing, selection, editor and terminal changes and window focus bump the
 * current workspace's deadline, at most once per interval; an unfocused
 * window sends nothing. Running tasks and debug sessions hold a busy lease.
 */
export class ActivityTracker implements vscode.Disposable {
  private lastSent = 0;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly leases = new Map<object, { workspace: string; leaseId: string }>();
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: BackendConnection,
    private readonly current: CurrentWorkspace,
  ) {
    const bump = (): void => this.heartbeat();
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) bump();
      }),
      vscode.window.onDidChangeTextEditorSelection(bump),
      vscode.window.onDidChangeActiveTextEditor(bump),
      vscode.window.onDidChangeActiveTerminal(bump),
      vscode.window.onDidChangeWindowState((state) => {
        if (state.focused) bump();
      }),
      vscode.debug.onDidStartDebugSession((session) => void this.hold(session, `debug: ${session.name}`)),
      vscode.debug.onDidTerminateDebugSession((session) => void this.release(session)),
      vscode.tasks.onDidStartTask((event) => void this.hold(event.execution, `task: ${event.execution.task.name}`)),
      vscode.tasks.onDidEndTask((event) => void this.release(event.execution)),
    );
    this.renewTimer = setInterval(() => void this.renewLeases(), LEASE_RENEW_MS);
  }

  /** Also called by our terminals on input. `force` skips the focus check (the input proves a person is there). */
  heartbeat(force = false): void {
    const name = this.current.name;
    if (!name || (!force && !vscode.window.state.focused)) return;
    const interval = Math.min(Math.max(vscode.workspace.getConfiguration('drydock').get<number>('heartbeatSeconds', 30), 5), 300) * 1000;
    const now = Date.now();
    if (now - this.lastSent < interval) return;
    this.lastSent = now;
    void this.connection
      .api()
      .then((client) => client.activity(name, 'editor'))
      .catch(() => undefined);
  }

  private async hold(key: object, holder: string): Promise<void> {
    const name = this.current.name;
    if (!name) return;
    try {
      const client = await this.connection.api();
      const { leaseId } = await client.holdLease(name, holder, LEASE_TTL);
      this.leases.set(key, { workspace: name, leaseId });
    } catch {
      // Not running, or the backend is away: nothing to hold.
    }
  }

  private async release(key: object): Promise<void> {
    const lease = this.leases.get(key);
    if (!lease) return;
    this.leases.delete(key);
    const client = await this.connection.api().catch(() => undefined);
    await client?.releaseLease(lease.workspace, lease.leaseId).catch(() => undefined);
  }

  private async renewLeases(): Promise<void> {
    if (this.leases.size === 0) return;
    const client = await this.connection.api().catch(() => undefined);
    for (const lease of this.leases.values()) await client?.renewLease(lease.workspace, lease.leaseId, 'vscode', LEASE_TTL).catch(() => undefined);
  }

  dispose(): void {
    clearInterval(this.renewTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
    for (const key of [...this.leases.keys()]) void this.release(key);
  }
}
