/**
 * Writes that may be merged: a burst of changes (heartbeats from many
 * windows) becomes at most one write per interval, while a change that must
 * be on disk before the caller answers (a create, a build's end) is written
 * at once. `flush` writes what is pending, so a clean stop loses nothing.
 */
export class CoalescedWriter {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private lastWriteAt = 0;

  constructor(
    private readonly write: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly minIntervalMs = 1000,
  ) {}

  /** A change to write within the interval, merged with any others meanwhile. */
  soon(): void {
    this.dirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.writing || !this.dirty) return;
    const wait = Math.max(0, this.lastWriteAt + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => void this.run(), wait);
  }

  /** A change that must be on disk when this resolves; rejects when the write fails. */
  async now(): Promise<void> {
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing) await this.writing;
    if (!this.dirty) return;
    this.dirty = false;
    this.lastWriteAt = Date.now();
    const written = this.write();
    this.writing = written.then(
      () => undefined,
      () => undefined,
    );
    try {
      await written;
    } finally {
      this.writing = undefined;
      // Changes that came during the write go out after the interval.
      this.schedule();
    }
  }

  /** Writes what is pending (a clean stop). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing) await this.writing;
    if (this.dirty) await this.now();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    try {
      await this.now();
    } catch (error) {
      this.onError(error);
    }
  }
}
