import { DrydockError, errorMessage } from '../../core/errors';
import { LABEL } from '../../core/names';
import { DockerAdapter, type ContainerEvent } from '../../docker/adapter';
import { SshHostKeyError, type PresentedHostKey } from '../../docker/ssh/hostKeyError';

export interface DockerLinkHandlers {
  onUp(adapter: DockerAdapter): Promise<void>;
  onDown(error: string): void;
  onContainerEvent(event: ContainerEvent): void;
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 15_000;

/**
 * The backend's connection to the engine. It follows the engine's event
 * stream for our containers; when that stream ends the engine is gone, so
 * the backend shows `unknown` and reconnects with backoff. No polling while
 * all is well.
 */
export class DockerLink {
  private adapter: DockerAdapter | undefined;
  private reachable = false;
  private lastError = 'not connected yet';
  private refusedHostKey: PresentedHostKey | undefined;
  private stopFollowing: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_MIN_MS;
  private closed = false;

  constructor(
    private readonly handlers: DockerLinkHandlers,
    private readonly connect: () => Promise<DockerAdapter> = () => DockerAdapter.connect(),
  ) {}

  get isReachable(): boolean {
    return this.reachable;
  }

  get error(): string | undefined {
    return this.reachable ? undefined : this.lastError;
  }

  /** The SSH host key the engine was refused for, while it is (for a client to offer trusting it). */
  get hostKey(): PresentedHostKey | undefined {
    return this.reachable ? undefined : this.refusedHostKey;
  }

  /** Tries now instead of at the next backoff step: the user just fixed what was wrong (trusted a host key). */
  retryNow(): void {
    if (this.closed || this.reachable) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryDelay = RETRY_MIN_MS;
    void this.attempt();
  }

  get endpoint(): string | undefined {
    return this.adapter?.endpointDescription;
  }

  /** The adapter, or the error every operation gives while Docker is away. */
  require(): DockerAdapter {
    if (!this.reachable || !this.adapter) {
      throw new DrydockError(
        'docker_unreachable',
        `Docker cannot be reached (${this.lastError}); start the Docker engine. Nothing was changed, and Drydock reconnects on its own.`,
      );
    }
    return this.adapter;
  }

  start(): Promise<void> {
    return this.attempt();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.stopFollowing?.();
    this.adapter?.close();
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    let fresh: DockerAdapter | undefined;
    try {
      const adapter = this.adapter ?? (fresh = await this.connect());
      await adapter.ping();
      this.adapter = adapter;
      // Follow events before reconciling, so nothing that happens in between is missed.
      this.stopFollowing = await adapter.events.followContainers(
        { [LABEL.managed]: 'true' },
        (event) => this.handlers.onContainerEvent(event),
        (error) => this.lost(error ? errorMessage(error) : 'the Docker event stream ended'),
      );
      try {
        await this.handlers.onUp(adapter);
      } catch (error) {
        this.stopFollowing();
        this.stopFollowing = undefined;
        throw error;
      }
      // Reachable only once the backend has caught up with Docker (reconciled), so health means ready.
      this.reachable = true;
      this.refusedHostKey = undefined;
      this.retryDelay = RETRY_MIN_MS;
    } catch (error) {
      // An adapter that never answered is not kept: the next attempt makes its own.
      if (fresh && this.adapter !== fresh) fresh.close();
      this.lastError = oneLine(errorMessage(error)) || 'unknown error';
      this.refusedHostKey = error instanceof SshHostKeyError ? error.hostKey : undefined;
      if (this.reachable) this.lost(this.lastError);
      else this.scheduleRetry();
    }
  }

  private lost(reason: string): void {
    if (this.closed) return;
    this.stopFollowing?.();
    this.stopFollowing = undefined;
    const wasReachable = this.reachable;
    this.reachable = false;
    this.lastError = reason;
    if (wasReachable) this.handlers.onDown(reason);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.attempt();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }
}

/**
 * One line for health, the log and messages that quote it, keeping every line
 * of a multi-line error (what was tried, and the fix) rather than the first.
 */
function oneLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim().replace(/^- /, ''))
    .filter(Boolean);
  return lines.reduce((joined, line) => (joined === '' ? line : `${joined}${/[.:;!?]$/.test(joined) ? ' ' : '; '}${line}`), '');
}
