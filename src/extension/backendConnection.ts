import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { resolveLocations } from '../api/locations';
import type { DaemonEvent, Health } from '../api/views';
import { connectBackend } from '../client/backendLauncher';
import type { DrydockClient } from '../client/drydockClient';
import { DrydockError, errorMessage } from '../core/errors';
import { VERSION } from '../core/version';

export type ConnectionState =
  { kind: 'connecting' } | { kind: 'connected'; health: Health } | { kind: 'backend-down'; message: string } | { kind: 'docker-down'; message: string };

/**
 * The extension's link to the backend: started when none answers (on VS
 * Code's own Node unless a path is configured), then its event stream is
 * followed and re-followed after a drop. No per-workspace polling.
 */
export class BackendConnection implements vscode.Disposable {
  private client: DrydockClient | undefined;
  private abort: AbortController | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly stateEmitter = new vscode.EventEmitter<ConnectionState>();
  private readonly eventEmitter = new vscode.EventEmitter<DaemonEvent>();
  private current: ConnectionState = { kind: 'connecting' };
  /** The engine whose reachability the connection's state follows (health names it). */
  private defaultEngine = 'local';
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onEvent = this.eventEmitter.event;

  constructor(private readonly context: vscode.ExtensionContext) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** The backend's client, connecting (and starting the backend) if needed. */
  async api(): Promise<DrydockClient> {
    if (this.client) return this.client;
    const settings = vscode.workspace.getConfiguration('drydock');
    const configured = settings.get<string>('backendNodePath');
    if (configured) await checkNodePath(configured);
    const nodePath = configured || process.execPath;
    this.client = await connectBackend({
      locations: resolveLocations(),
      backendScript: this.context.asAbsolutePath('dist/backend.js'),
      nodePath,
      // Inside VS Code, process.execPath is Electron (or code-server's Node): run it as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      version: VERSION,
    });
    return this.client;
  }

  start(): void {
    void this.follow();
  }

  retry(): void {
    clearTimeout(this.retryTimer);
    this.client = undefined;
    this.abort?.abort();
    void this.follow();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    this.abort?.abort();
    this.stateEmitter.dispose();
    this.eventEmitter.dispose();
  }

  private async follow(): Promise<void> {
    if (this.disposed) return;
    this.setState({ kind: 'connecting' });
    let client: DrydockClient;
    try {
      client = await this.api();
      const health = await client.health();
      this.defaultEngine = health.docker.engine;
      this.setState(
        health.docker.reachable ? { kind: 'connected', health } : { kind: 'docker-down', message: health.docker.error ?? 'Docker does not answer' },
      );
    } catch (error) {
      this.client = undefined;
      this.setState({ kind: 'backend-down', message: errorMessage(error) });
      this.scheduleRetry(10_000);
      return;
    }
    const abort = (this.abort = new AbortController());
    try {
      await client.events((event) => this.onDaemonEvent(event), abort.signal);
    } catch {
      // The stream broke: the backend went away. Reconnect below.
    }
    if (!abort.signal.aborted) {
      this.client = undefined;
      this.setState({ kind: 'backend-down', message: 'the backend closed the connection' });
      this.scheduleRetry(2000);
    }
  }

  private onDaemonEvent(event: DaemonEvent): void {
    // Another engine going away shows on its own workspaces and tree node; the status is the default engine's.
    if (event.type === 'docker' && event.engine === this.defaultEngine) {
      if (!event.reachable) this.setState({ kind: 'docker-down', message: event.error ?? 'Docker does not answer' });
      else void this.client?.health().then((health) => this.setState({ kind: 'connected', health }));
    }
    this.eventEmitter.fire(event);
  }

  private scheduleRetry(ms: number): void {
    if (this.disposed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.follow(), ms);
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.stateEmitter.fire(state);
  }
}

/**
 * A configured Node that cannot run would only show as a start timeout with
 * an empty backend log: name the setting instead. A bare name is left to PATH.
 */
async function checkNodePath(path: string): Promise<void> {
  if (!isAbsolute(path)) return;
  let problem: string | undefined;
  try {
    if (!(await stat(path)).isFile()) problem = 'is not a file';
    else await access(path, constants.X_OK).catch(() => (problem = 'is not executable'));
  } catch (error) {
    problem = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${errorMessage(error)})`;
  }
  if (problem) {
    throw new DrydockError(
      'backend_down',
      `drydock.backendNodePath is "${path}", which ${problem}; set it to a Node.js 20 or newer in your user (or remote) settings, or clear it to use VS Code's own.`,
      'drydock.backendNodePath',
    );
  }
}
