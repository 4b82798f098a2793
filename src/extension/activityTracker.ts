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
  /** When each workspace's last heartbeat went out: the throttle is per workspace. */
  private readonly lastSent = new Map<string, number>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** A lease per running task or debug session; a promise while the backend is still granting it. */
  private readonly leases = new Map<object, Promise<{ workspace: string; leaseId: string } | undefined>>();
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
      // A debugger such as js-debug starts child sessions under the one the user launched: one run, one lease.
      vscode.debug.onDidStartDebugSession((session) => {
        if (!session.parentSession) this.hold(session, `debug: ${session.name}`);
      }),
      vscode.debug.onDidTerminateDebugSession((session) => void this.release(session)),
      vscode.tasks.onDidStartTask((event) => this.hold(event.execution, `task: ${event.execution.task.name}`)),
      vscode.tasks.onDidEndTask((event) => void this.release(event.execution)),
    );
    this.renewTimer = setInterval(() => void this.renewLeases(), LEASE_RENEW_MS);
  }

  /** Also called by our terminals on input. `force` skips the focus check (the input proves a person is there). */
  heartbeat(force = false, workspace?: string): void {
    const name = workspace ?? this.current.name;
    if (!name || (!force && !vscode.window.state.focused)) return;
    const interval = Math.min(Math.max(vscode.workspace.getConfiguration('drydock').get<number>('heartbeatSeconds', 30), 5), 300) * 1000;
    const now = Date.now();
    if (now - (this.lastSent.get(name) ?? 0) < interval) return;
    this.lastSent.set(name, now);
    void this.connection
      .api()
      .then((client) => client.activity(name, 'editor'))
      .catch(() => undefined);
  }

  /** A file of `workspace` was read or saved through the drydock: file system (same throttle). */
  fileActivity(workspace: string): void {
    this.heartbeat(true, workspace);
  }

  private hold(key: object, holder: string): void {
    const name = this.current.name;
    if (!name) return;
    const granted = this.connection
      .api()
      .then((client) => client.holdLease(name, holder, LEASE_TTL))
      .then(({ leaseId }) => ({ workspace: name, leaseId }))
      // Not running, or the backend is away: nothing to hold.
      .catch(() => undefined);
    // Kept from the start, so a task that ends before its lease is granted still releases it.
    this.leases.set(key, granted);
  }

  private async release(key: object): Promise<void> {
    const pending = this.leases.get(key);
    if (!pending) return;
    this.leases.delete(key);
    const lease = await pending;
    if (!lease) return;
    const client = await this.connection.api().catch(() => undefined);
    await client?.releaseLease(lease.workspace, lease.leaseId).catch(() => undefined);
  }

  private async renewLeases(): Promise<void> {
    if (this.leases.size === 0) return;
    const client = await this.connection.api().catch(() => undefined);
    for (const pending of this.leases.values()) {
      const lease = await pending;
      if (lease) await client?.renewLease(lease.workspace, lease.leaseId, 'vscode', LEASE_TTL).catch(() => undefined);
    }
  }

  dispose(): void {
    clearInterval(this.renewTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
    for (const key of [...this.leases.keys()]) void this.release(key);
  }
}
