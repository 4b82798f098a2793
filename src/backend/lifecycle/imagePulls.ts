import { DrydockError } from '../../core/errors';
import type { DockerAdapter, PullProgress } from '../../docker/adapter';

/** An image a pull brought onto the engine (the tag pointed elsewhere, or nowhere, before). */
export interface PulledImage {
  id: string;
  reference: string;
}

interface Pull {
  done: Promise<void>;
  listeners: Set<(progress: PullProgress) => void>;
  /** Aborts the engine's pull; only a foreground build that started it may, and only while nobody else waits on it. */
  abort: AbortController;
  waiting: number;
}

/**
 * The engine's pulls, one per reference at a time: a second pull of the same
 * reference (a rebuild while the backend pulls its update ahead) joins the
 * one under way, with its progress, instead of downloading it again. A
 * joiner's cancel only stops its own wait. Each pull that changed what the
 * tag points at is reported through `onPulled`, so the images Drydock
 * brought can be told from the user's own.
 */
export class ImagePulls {
  private readonly pulls = new Map<string, Pull>();

  constructor(
    private readonly docker: DockerAdapter,
    private readonly onPulled: (image: PulledImage) => void = () => {},
  ) {}

  /** How many pulls are under way. */
  get active(): number {
    return this.pulls.size;
  }

  /**
   * Pulls `reference`, or joins the pull of it under way (`joined` says which
   * before any progress arrives). `signal` ends this caller's wait; it aborts
   * the pull itself only when no one else waits on it.
   */
  pull(reference: string, onProgress?: (progress: PullProgress) => void, signal?: AbortSignal, joined?: () => void): Promise<void> {
    let pull = this.pulls.get(reference);
    if (pull) joined?.();
    else pull = this.start(reference);
    const current = pull;
    current.waiting++;
    if (onProgress) current.listeners.add(onProgress);
    const leave = (): void => {
      current.waiting--;
      if (onProgress) current.listeners.delete(onProgress);
    };
    if (!signal) return current.done.finally(leave);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        leave();
        if (current.waiting === 0) current.abort.abort();
        reject(new DrydockError('interrupted', `the pull of ${reference} was cancelled; nothing was changed`));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      current.done.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          leave();
          resolve();
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          leave();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private start(reference: string): Pull {
    const listeners = new Set<(progress: PullProgress) => void>();
    const abort = new AbortController();
    const done = (async () => {
      try {
        const before = await this.docker.images.inspect(reference);
        await this.docker.images.pull(reference, (progress) => listeners.forEach((listener) => listener(progress)), abort.signal);
        const after = await this.docker.images.inspect(reference);
        if (after && after.id !== before?.id) this.onPulled({ id: after.id, reference });
      } finally {
        this.pulls.delete(reference);
      }
    })();
    // Every waiter handles the outcome; this keeps an unwatched failure from being "unhandled".
    done.catch(() => undefined);
    const pull: Pull = { done, listeners, abort, waiting: 0 };
    this.pulls.set(reference, pull);
    return pull;
  }
}
