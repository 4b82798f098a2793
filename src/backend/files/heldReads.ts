import type { RunningScript } from '../../docker/adapter';

/** How long a stat's script waits for the read that usually follows it. */
const HOLD_MS = 1000;
/** Held scripts at most; the oldest is let go first. */
const MAX_HELD = 16;

/**
 * Stat scripts kept waiting for a moment after they answered (see
 * STAT_SCRIPT): VS Code reads a file right after its stat, and the read then
 * reuses the waiting script instead of starting an exec of its own, about
 * half the time of a stat and a read. The key names the container, user and
 * path, so a read is only ever served by the same user's script on the same
 * container; nothing is read ahead, the file is opened when the read comes.
 */
export class HeldReads {
  private readonly held = new Map<string, { script: RunningScript; timer: NodeJS.Timeout }>();

  constructor(private readonly holdMs = HOLD_MS) {}

  hold(key: string, script: RunningScript): void {
    this.release(key);
    if (this.held.size >= MAX_HELD) this.release(this.held.keys().next().value as string);
    const timer = setTimeout(() => this.release(key), this.holdMs);
    timer.unref();
    this.held.set(key, { script, timer });
    // A script that ended (the container stopped) is no longer there to take.
    void script.finished.then(() => {
      if (this.held.get(key)?.script === script) this.take(key);
    });
  }

  /** The waiting script for `key`, told to read; undefined when none waits. */
  take(key: string, read = false): RunningScript | undefined {
    const entry = this.held.get(key);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.held.delete(key);
    entry.script.stdin?.end(read ? 'r\n' : 'x\n');
    return entry.script;
  }

  /** Lets the script for `key` end without reading. */
  release(key: string): void {
    this.take(key);
  }
}
