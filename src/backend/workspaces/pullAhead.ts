import { formatBytes } from '../../core/memory';
import { digestFor, parseImageReference } from '../../core/imageReference';
import { errorMessage } from '../../core/errors';
import type { Policy } from '../../core/policy';
import type { PullProgress } from '../../docker/adapter';
import type { EventBus } from './eventBus';
import type { BackendEvent, PullAheadEvent } from './backendEvents';
import type { WorkspaceRecord } from './records';
import type { WorkspaceService } from './workspaceService';
import { LOCAL_ENGINE } from '../../core/names';

/** Progress events and views at most this often: a pull ahead is no one's foreground. */
const PROGRESS_EVERY_MS = 1_000;

export interface PullAheadDeps {
  service: WorkspaceService;
  events: EventBus<BackendEvent>;
  policy: () => Policy;
  log: (message: string) => void;
}

/**
 * Updates pulled ahead: when an update check sees the workspace's tag at a
 * newer digest, the new image is pulled in the background, so the rebuild
 * that takes it does not wait for the download (nor ask the registry again).
 * One pull at a time, at most one per digest (kept in the state file), and
 * only while the engine has the policy's floor of free disk; otherwise it is
 * skipped with the reason. The pull is the engine's one pull of that tag: a
 * rebuild that starts meanwhile joins it (lifecycle/imagePulls.ts).
 */
export class PullAhead {
  private readonly queue: string[] = [];
  private running = false;
  private closed = false;
  /** What each pull under way has got to, for the views. */
  private readonly progress = new Map<string, string>();

  constructor(private readonly deps: PullAheadDeps) {}

  /** After an update check: queues a pull of the tag's new digest if there is one to pull. */
  consider(name: string): void {
    if (this.closed || this.queue.includes(name) || !this.wanted(name)) return;
    this.queue.push(name);
    void this.drain();
  }

  /** The progress line of the pull ahead under way for `name`, if any. */
  progressOf(name: string): string | undefined {
    return this.progress.get(name);
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  /** A tag at a digest other than the one the workspace runs, not pulled ahead (or tried) for that digest yet. */
  private wanted(name: string): { reference: string; digest: string } | undefined {
    if (!this.deps.service.has(name)) return undefined;
    const record = this.deps.service.record(name);
    const check = record.updateCheck;
    const reference = this.deps.service.snapshot(name).spec?.image;
    if (!reference || !check?.latestDigest || check.reference !== reference || parseImageReference(reference).digest) return undefined;
    if (!record.image?.digest || check.latestDigest === record.image.digest || record.state === 'building') return undefined;
    const done = record.pullAhead;
    // Once per digest; a skip (no room) is tried again at the next check, and a pull a restart cut short too.
    if (done && done.reference === reference && done.digest === check.latestDigest && (done.status === 'ready' || done.status === 'failed')) return undefined;
    return { reference, digest: check.latestDigest };
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let name = this.queue.shift(); name !== undefined && !this.closed; name = this.queue.shift()) {
        await this.pullOne(name).catch((error: unknown) => this.deps.log(`pull ahead for ${name}: ${errorMessage(error)}`));
      }
    } finally {
      this.running = false;
    }
  }

  private async pullOne(name: string): Promise<void> {
    const target = this.wanted(name);
    // A workspace whose engine is away is tried again at its next check, once that engine answers.
    if (!target || this.deps.service.snapshot(name).engineError !== undefined) return;
    const { reference, digest } = target;
    // The workspace's own engine: its disk, its pulls (a rebuild there joins this one), never another engine's.
    const { docker, lifecycle, name: engine } = this.deps.service.engineRuntime(name);
    const { enabled, minFreeDiskBytes } = this.deps.policy().pullAhead;
    if (!enabled) return;
    const disk = await docker.images.disk();
    if ('unknown' in disk) return this.settle(name, reference, digest, 'skipped', `not pulled ahead: ${disk.unknown}; the rebuild pulls it`);
    if (disk.freeBytes < minFreeDiskBytes) {
      return this.settle(
        name,
        reference,
        digest,
        'skipped',
        `not pulled ahead: ${theEngine(engine)} has ${formatBytes(disk.freeBytes)} free at ${disk.path}, below the ${formatBytes(minFreeDiskBytes)} floor (policy pullAhead.minFreeDisk); the rebuild pulls it`,
      );
    }
    await this.settle(name, reference, digest, 'pulling', `pulling ${reference} (${digest}) in the background`);
    try {
      await lifecycle.pulls.pull(reference, this.progressReporter(name, reference, digest));
      const image = await docker.images.inspect(reference);
      const pulled = image ? digestFor(reference, image.repoDigests) : undefined;
      if (!pulled) throw new Error('the pull reported success but the tag is not on the engine');
      // What the build would read of the new image first (its users) is read now, so the rebuild does not wait for it.
      await lifecycle.prepareImage(name, reference);
      this.progress.delete(name);
      await this.settle(
        name,
        reference,
        pulled,
        'ready',
        `update ready: ${reference} @ ${pulled} is on ${theEngine(engine)}; a rebuild takes it without downloading`,
      );
    } catch (error) {
      this.progress.delete(name);
      await this.settle(name, reference, digest, 'failed', `the pull ahead failed: ${errorMessage(error)}; the rebuild pulls it`);
    }
  }

  /** Layer bytes summed over the pull, as one line a second. */
  private progressReporter(name: string, reference: string, digest: string): (event: PullProgress) => void {
    const layers = new Map<string, { current: number; total: number }>();
    let last = 0;
    return (event) => {
      if (!event.layer) return;
      const layer = layers.get(event.layer) ?? { current: 0, total: 0 };
      layers.set(event.layer, layer);
      if (event.total) layer.total = event.total;
      if (event.current !== undefined && event.status === 'Downloading') layer.current = event.current;
      if (event.status === 'Download complete' || event.status === 'Pull complete' || event.status === 'Already exists') layer.current = layer.total;
      const now = Date.now();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      let current = 0;
      let total = 0;
      for (const each of layers.values()) {
        current += each.current;
        total += each.total;
      }
      const message = `pulling ${reference} in the background: ${formatBytes(current)} of ${formatBytes(total)}`;
      this.progress.set(name, message);
      this.emit({ type: 'pull-ahead', workspace: name, reference, digest, status: 'pulling', message });
      this.deps.events.emit({ type: 'workspace-changed', name });
    };
  }

  private async settle(
    name: string,
    reference: string,
    digest: string,
    status: NonNullable<WorkspaceRecord['pullAhead']>['status'],
    message: string,
  ): Promise<void> {
    if (!this.deps.service.has(name)) return;
    if (status !== 'pulling') this.deps.log(`${name}: ${message}`);
    await this.deps.service.patch(name, (record) => {
      record.pullAhead = { reference, digest, status, at: new Date().toISOString(), message };
    });
    this.emit({ type: 'pull-ahead', workspace: name, reference, digest, status, message });
  }

  private emit(event: PullAheadEvent): void {
    this.deps.events.emit(event);
  }
}

/** "the engine", naming it only when there is more than the local one to tell apart (the local engine's wording is kept). */
function theEngine(engine: string): string {
  return engine === LOCAL_ENGINE ? 'the engine' : `the engine ${engine}`;
}
