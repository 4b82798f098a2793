/**
 * The live side of a build log: the newest entries kept in memory (bounded by
 * count and size) and the subscribers that replay them and then follow. Each
 * subscriber has a cursor (the next seq), so delivery is re-entrancy safe: a
 * listener that logs or subscribes just advances the cursors, and every
 * subscriber sees the same order with no duplicates or gaps.
 */
import { Deque } from './logFile';
import type { BuildLogEntry } from './logEntries';

type Subscriber = { listener: (entry: BuildLogEntry) => void; next: number; active: boolean };

export class LogReplay {
  private readonly memory = new Deque<BuildLogEntry>();
  private memoryBytes = 0;
  private subscribers: Subscriber[] = [];
  private dispatching = false;
  private seq = 0;

  constructor(
    private readonly limits: { maxEntries: number; maxBytes: number },
    private readonly clock: () => Date,
  ) {}

  /** Keeps `entry` (numbered one after the last) and delivers it to every subscriber. */
  push(entry: BuildLogEntry): void {
    this.seq = entry.seq;
    this.memory.push(entry);
    this.memoryBytes += entry.text.length * 2 + 100;
    while (this.memory.length > 1 && (this.memory.length > this.limits.maxEntries || this.memoryBytes > this.limits.maxBytes)) {
      this.memoryBytes -= this.memory.shift()!.text.length * 2 + 100;
    }
    this.dispatch();
  }

  /** Replays the entries kept in memory, then delivers live ones, in order. Returns an unsubscribe function. */
  subscribe(listener: (entry: BuildLogEntry) => void): () => void {
    const subscriber: Subscriber = { listener, next: 1, active: true };
    this.subscribers.push(subscriber);
    this.dispatch();
    return () => {
      subscriber.active = false;
      this.subscribers = this.subscribers.filter((s) => s !== subscriber);
    };
  }

  entries(): BuildLogEntry[] {
    return this.memory.toArray();
  }

  private dispatch(): void {
    if (this.dispatching || this.subscribers.length === 0) return;
    this.dispatching = true;
    try {
      for (let progressed = true; progressed;) {
        progressed = false;
        for (const subscriber of [...this.subscribers]) {
          while (subscriber.active && subscriber.next <= this.seq) {
            progressed = true;
            const first = this.memory.at(0)?.seq ?? this.seq + 1;
            let entry: BuildLogEntry;
            if (subscriber.next < first) {
              // Older entries left the memory ring; say so once, with a seq that keeps numbering consecutive.
              const missed = first - subscriber.next;
              entry = {
                seq: first - 1,
                time: this.memory.at(0)?.time ?? this.clock().toISOString(),
                kind: 'truncated',
                text: `${missed} earlier log entries are no longer in memory; the log file has them.`,
              };
              subscriber.next = first;
            } else {
              entry = this.memory.at(subscriber.next - first)!;
              subscriber.next++;
            }
            try {
              subscriber.listener(entry);
            } catch {
              /* a broken listener must not break the build or other listeners */
            }
          }
        }
      }
    } finally {
      this.dispatching = false;
    }
  }
}
