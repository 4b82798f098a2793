/**
 * The build log's file, bounded: past maxFileBytes, floodable lines (process
 * output, info) are no longer written but counted, keeping only a tail in
 * memory; at the next always-written line (step headers, warnings, result)
 * a marker says what was left out and the tail follows. A hook printing
 * hundreds of MB thus leaves a file of about maxFileBytes plus a tail.
 *
 * Logs hold what hooks print, which may be private: the file is 0600 and the
 * folders it makes 0700. A write that fails (a full disk) is reported once
 * through `onError`; nothing more is written, and the build goes on.
 */
import { createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** Array-backed FIFO with amortised O(1) shift, for rings that drop their oldest items. */
export class Deque<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  at(i: number): T | undefined {
    return this.items[this.head + i];
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  toArray(): T[] {
    return this.items.slice(this.head);
  }
}

const formatBytes = (n: number) => (n >= 1 << 20 && n % (1 << 20) === 0 ? `${n >> 20} MiB` : n >= 1024 && n % 1024 === 0 ? `${n >> 10} KiB` : `${n} bytes`);

export class BoundedLogFile {
  private readonly out: WriteStream;
  private readonly tailBytes: number;
  private bytes = 0;
  private failure: Error | undefined;
  private tail = new Deque<{ line: string; size: number }>();
  private tailHeld = 0;
  private omittedLines = 0;
  private omittedBytes = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.tailBytes = Math.floor(maxBytes / 4);
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    } catch (error) {
      // Said once the caller holds this object; the open below then fails too, and is not reported again.
      queueMicrotask(() => this.fail(error as Error));
    }
    try {
      this.bytes = statSync(path).size;
    } catch {
      /* a new file */
    }
    this.out = createWriteStream(path, { flags: 'a', mode: 0o600 });
    // A full disk must not crash the build: remember the error, say it once, stop writing.
    this.out.on('error', (error) => this.fail(error));
  }

  get error(): Error | undefined {
    return this.failure;
  }

  /** A line that can flood: written while under the limit, else kept in the tail or counted. */
  writeBounded(line: string): void {
    if (this.bytes < this.maxBytes) return this.write(line);
    const size = Buffer.byteLength(line) + 1;
    this.tail.push({ line, size });
    this.tailHeld += size;
    while (this.tailHeld > this.tailBytes && this.tail.length > 0) {
      const dropped = this.tail.shift()!;
      this.tailHeld -= dropped.size;
      this.omittedLines++;
      this.omittedBytes += dropped.size;
    }
  }

  /** Headers, warnings, the result: always written, after what was held back before them. */
  writeAlways(line: string): void {
    if (this.omittedLines > 0) this.write(`--- [${this.omittedLines} lines (${this.omittedBytes} bytes) omitted: log over ${formatBytes(this.maxBytes)}] ---`);
    if (this.tail.length > 0) {
      for (let held = this.tail.shift(); held !== undefined; held = this.tail.shift()) this.write(held.line);
      this.tail = new Deque();
    }
    this.tailHeld = this.omittedLines = this.omittedBytes = 0;
    this.write(line);
  }

  /** Resolves once what was written so far reached the file or failed (then `error` is set and onError was called). */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      if (this.failure || this.out.destroyed || this.out.writableEnded) return resolve();
      this.out.write('', (error) => {
        if (error) this.fail(error);
        resolve();
      });
    });
  }

  /** Resolves once everything is on disk (or the file failed; see `error`). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.out.closed || this.out.destroyed) return resolve();
      this.out.once('close', () => resolve());
      this.out.end();
    });
  }

  private write(line: string): void {
    this.bytes += Buffer.byteLength(line) + 1;
    if (!this.failure) this.out.write(`${line}\n`);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.onError(error);
  }
}
