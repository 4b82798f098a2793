/**
 * A full garbage collection once the backend has been quiet for a while.
 *
 * The backend idles for days between bursts (start-up, a client's requests, a
 * build). V8 collects old garbage only when the heap grows again, so what a
 * burst leaves behind (e.g. ~25 MB after 2,000 requests that each rewrote the
 * state of 1,000 workspaces) would stay resident for the whole idle stretch.
 * Needs `--expose-gc` (the launcher passes it); without it this does nothing.
 */
export class IdleCollector {
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(quietMs = 5000) {
    const gc = (globalThis as { gc?: () => void }).gc;
    // Armed from the start: the first quiet moment also collects start-up's garbage.
    this.timer = gc ? setTimeout(gc, quietMs).unref() : undefined;
  }

  /** Something happened: collect once it has been quiet for `quietMs` (re-arms a timer that already fired). */
  activity(): void {
    this.timer?.refresh();
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
