import { errorMessage } from '../../core/errors';
import type { WorkspaceRecord } from './records';
import type { WorkspaceService } from './workspaceService';

/** A workspace's tag is checked at most this often in the background (users can check at any time). */
export const UPDATE_CHECK_EVERY_MS = 24 * 60 * 60_000;
/** How often the background looks for workspaces due a check: cheap, since it only compares times. */
const LOOK_EVERY_MS = 60 * 60_000;
/** Not in the first moments of a start: the backend has clients to answer then. */
const FIRST_LOOK_AFTER_MS = 60_000;

/**
 * "Update available" in the background: for each workspace whose last check
 * (or pull) is older than a day, one manifest HEAD, one workspace at a time.
 * The time of the last check is in the state file, so restarts do not add checks.
 */
export class UpdateChecks {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly service: WorkspaceService,
    private readonly log: (message: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.schedule(FIRST_LOOK_AFTER_MS);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The workspaces due a check now. */
  due(): string[] {
    return dueForUpdateCheck(
      this.service.names().map((name) => this.service.record(name)),
      this.now(),
    );
  }

  private schedule(afterMs: number): void {
    this.timer = setTimeout(() => void this.look(), afterMs);
    // Checks must never keep a stopping backend alive.
    this.timer.unref();
  }

  private async look(): Promise<void> {
    if (this.running) return this.schedule(LOOK_EVERY_MS);
    this.running = true;
    try {
      for (const name of this.due()) {
        if (!this.timer) return;
        // A workspace whose engine is away is checked once it answers (its record keeps it due).
        if (this.service.snapshot(name).engineError !== undefined) continue;
        await this.service.images.checkUpdate(name).catch((error: unknown) => this.log(`update check of ${name}: ${errorMessage(error)}`));
      }
    } finally {
      this.running = false;
      if (this.timer) this.schedule(LOOK_EVERY_MS);
    }
  }
}

/**
 * Which workspaces the background checks now: those built from a registry
 * image (a digest to compare with) whose last check or pull is a day old or
 * more, or was never made; never one that is building (its pull is the check).
 */
export function dueForUpdateCheck(records: readonly Pick<WorkspaceRecord, 'name' | 'state' | 'image' | 'updateCheck'>[], now: number): string[] {
  return records
    .filter((record) => {
      if (!record.image?.digest || record.state === 'building') return false;
      const last = record.updateCheck ? Date.parse(record.updateCheck.checkedAt) : Number.NaN;
      return !(now - last < UPDATE_CHECK_EVERY_MS);
    })
    .map((record) => record.name);
}
