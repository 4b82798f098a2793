/**
 * The build log: a BuildReporter that writes a human-readable file and feeds
 * live subscribers. Hooks can print anything (binary, endless lines, hundreds
 * of MB), so every buffer here is bounded: lines are cut, the file stops
 * taking output past its limit (keeping a tail), and memory keeps a ring.
 */
import { dirname } from 'node:path';
import { errorMessage } from '../../core/errors';
import { BoundedLogFile } from './logFile';
import { formatLine, sanitize, truncatedMarker, type BuildLogEntry } from './logEntries';
import { LogReplay } from './logReplay';
import type { BuildReporter, OutputStream, StepOutcome } from '../lifecycle/buildReporter';

export type { BuildLogEntry } from './logEntries';

export type BuildEnding = { status: 'running' | 'failed' | 'interrupted'; message?: string };
export type BuildLogLimits = { maxLineBytes?: number; maxFileBytes?: number; maxMemoryEntries?: number; maxMemoryBytes?: number };
export type BuildLogOptions = { workspace: string; buildId: string; file: string; clock?: () => Date; limits?: BuildLogLimits };

type LineBuffer = { parts: Buffer[]; bytes: number; dropped: number };

export class BuildLog implements BuildReporter {
  readonly workspace: string;
  readonly buildId: string;
  readonly file: string;
  private readonly log: BoundedLogFile;
  /** Resolves with the 'result' entry once finish() has written it. */
  readonly done: Promise<BuildLogEntry>;
  private resolveDone!: (entry: BuildLogEntry) => void;
  private readonly clock: () => Date;
  private readonly limits: Required<BuildLogLimits>;
  private seq = 0;
  private lastMs = NaN;
  private lastIso = '';
  private readonly replay: LogReplay;
  private readonly partial: Record<OutputStream, LineBuffer> = { stdout: { parts: [], bytes: 0, dropped: 0 }, stderr: { parts: [], bytes: 0, dropped: 0 } };
  private currentStep: string | undefined;
  private closed = false;
  private finishing = false;
  private writeErrorListeners: ((error: Error) => void)[] = [];

  constructor(options: BuildLogOptions) {
    this.workspace = options.workspace;
    this.buildId = options.buildId;
    this.file = options.file;
    this.clock = options.clock ?? (() => new Date());
    const { maxLineBytes = 16 * 1024, maxFileBytes = 8 * 1024 * 1024, maxMemoryEntries = 5000, maxMemoryBytes = maxFileBytes } = options.limits ?? {};
    // Entries can each be maxLineBytes long, so the memory ring is capped by size as well as count.
    this.limits = { maxLineBytes, maxFileBytes, maxMemoryEntries, maxMemoryBytes };
    this.replay = new LogReplay({ maxEntries: maxMemoryEntries, maxBytes: maxMemoryBytes }, this.clock);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.log = new BoundedLogFile(this.file, maxFileBytes, (error) => this.fileFailed(error));
  }

  get finished(): boolean {
    return this.closed;
  }
  /** Set when the file could not be written; subscribers and entries() still have the log. */
  get writeError(): Error | undefined {
    return this.log.error;
  }

  /** Calls `listener` once if the file cannot be written (at once if it already could not). */
  onWriteError(listener: (error: Error) => void): void {
    if (this.log.error) listener(this.log.error);
    else this.writeErrorListeners.push(listener);
  }

  /** Ends `ok` when run resolves, or with what `outcome` makes of the result; `failed` (and rethrows) when either throws. */
  async step<T>(title: string, run: () => Promise<T>, outcome?: (result: T) => StepOutcome): Promise<T> {
    if (this.closed) return run();
    if (this.currentStep !== undefined) throw new Error(`build step "${title}" started while "${this.currentStep}" is still running; steps do not nest.`);
    const started = this.clock();
    this.currentStep = title;
    this.emit({ kind: 'step-start', step: title, text: sanitize(title) }, started);
    let result: T;
    let ended: StepOutcome;
    try {
      result = await run();
      ended = outcome ? outcome(result) : { status: 'ok' };
    } catch (error) {
      this.endStep(title, started, { status: 'failed', note: errorMessage(error) });
      throw error;
    }
    this.endStep(title, started, ended);
    return result;
  }

  output(stream: OutputStream, chunk: Buffer): void {
    if (this.closed) return;
    const state = this.partial[stream];
    for (let pos = 0; pos < chunk.length;) {
      const newline = chunk.indexOf(0x0a, pos);
      const end = newline === -1 ? chunk.length : newline;
      if (newline !== -1 && state.bytes + state.dropped === 0 && end - pos <= this.limits.maxLineBytes) {
        this.outputLine(stream, chunk.toString('utf8', pos, end), 0); // the common case: a whole line in this chunk
      } else {
        // Keep at most maxLineBytes of a line; the rest is only counted, so an endless line costs no memory.
        const take = Math.min(this.limits.maxLineBytes - state.bytes, end - pos);
        if (take > 0) {
          state.parts.push(chunk.subarray(pos, pos + take));
          state.bytes += take;
        }
        state.dropped += end - pos - take;
        if (newline === -1) break;
        this.endLine(stream);
      }
      pos = newline + 1;
    }
    // The caller may reuse its buffer: copy what waits for the rest of the line.
    if (state.parts.length > 0) state.parts = [Buffer.concat(state.parts)];
  }

  info(message: string): void {
    this.message('info', message);
  }
  warn(message: string): void {
    this.message('warn', message);
  }
  progress(message: string): void {
    if (this.closed) return;
    this.emit({ kind: 'progress', text: this.clip(sanitize(message.replace(/\r?\n/g, ' '))) });
  }

  /** Writes the result line, closes the file; resolves once it is on disk. Later calls do nothing. */
  async finish(result: BuildEnding): Promise<void> {
    if (this.closed || this.finishing) return;
    this.finishing = true;
    // A write that failed is said in the log before its result, where followers still read it.
    await this.log.settled();
    this.flushPartials();
    if (this.currentStep !== undefined) {
      const note = 'the build ended before this step did';
      this.emit({ kind: 'step-end', step: this.currentStep, status: 'interrupted', note, text: `${sanitize(this.currentStep)}: ${note}` });
      this.currentStep = undefined;
    }
    const entry = this.emit({ kind: 'result', status: result.status, text: sanitize(result.message ?? '') });
    this.closed = true;
    await this.log.close();
    this.resolveDone(entry);
  }

  /** Replays the entries kept in memory, then delivers live ones, in order. Returns an unsubscribe function. */
  subscribe(listener: (entry: BuildLogEntry) => void): () => void {
    return this.replay.subscribe(listener);
  }

  entries(): BuildLogEntry[] {
    return this.replay.entries();
  }

  /** The file failed (a full disk): the live log says so and goes on; listeners (events, the log store's marker) learn it once. */
  private fileFailed(error: Error): void {
    if (!this.closed) {
      this.warn(
        `could not write the build log file ${this.file}: ${errorMessage(error)}. The build goes on and its output is shown live, ` +
          `but the saved log is incomplete; free disk space where the logs are kept (${dirname(this.file)}).`,
      );
    }
    const listeners = this.writeErrorListeners;
    this.writeErrorListeners = [];
    for (const listener of listeners) {
      try {
        listener(error);
      } catch {
        /* a broken listener must not break the build */
      }
    }
  }

  private message(kind: 'info' | 'warn', message: string): void {
    if (this.closed) return;
    for (const line of message.split(/\r?\n/)) this.emit({ kind, text: this.clip(sanitize(line)) });
  }

  private endStep(title: string, started: Date, outcome: StepOutcome): void {
    if (this.closed) return; // finish() already closed it as interrupted
    this.flushPartials();
    this.currentStep = undefined;
    const ended = this.clock();
    const note = outcome.note === undefined ? undefined : sanitize(outcome.note);
    const text = note === undefined ? sanitize(title) : `${sanitize(title)}: ${note}`;
    this.emit(
      { kind: 'step-end', step: title, status: outcome.status, exitCode: outcome.exitCode, durationMs: ended.getTime() - started.getTime(), note, text },
      ended,
    );
  }

  private endLine(stream: OutputStream): void {
    const state = this.partial[stream];
    const raw = state.parts.length === 1 ? state.parts[0] : Buffer.concat(state.parts);
    const lineBytes = state.dropped > 0 ? state.bytes + state.dropped : 0;
    state.parts = [];
    state.bytes = state.dropped = 0;
    this.outputLine(stream, raw.toString('utf8'), lineBytes);
  }

  /** `cutFrom` is the original length of a line that was cut, 0 if it was whole. */
  private outputLine(stream: OutputStream, raw: string, cutFrom: number): void {
    const text = sanitize(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    this.emit({ kind: 'output', stream, text: cutFrom > 0 ? text + truncatedMarker(cutFrom) : text });
  }

  private flushPartials(): void {
    for (const stream of ['stdout', 'stderr'] as const) if (this.partial[stream].bytes + this.partial[stream].dropped > 0) this.endLine(stream);
  }

  private clip(text: string): string {
    const bytes = Buffer.byteLength(text);
    return bytes <= this.limits.maxLineBytes ? text : Buffer.from(text).subarray(0, this.limits.maxLineBytes).toString('utf8') + truncatedMarker(bytes);
  }

  private emit(fields: Omit<BuildLogEntry, 'seq' | 'time'>, at: Date = this.clock()): BuildLogEntry {
    const ms = at.getTime();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = at.toISOString();
    } // floods share milliseconds
    const entry: BuildLogEntry = { seq: ++this.seq, time: this.lastIso, kind: fields.kind, text: fields.text };
    // Only defined fields, so entries compare and serialise cleanly.
    const step = fields.step ?? (fields.kind === 'result' ? undefined : this.currentStep);
    if (fields.stream !== undefined) entry.stream = fields.stream;
    if (step !== undefined) entry.step = step;
    if (fields.exitCode !== undefined) entry.exitCode = fields.exitCode;
    if (fields.durationMs !== undefined) entry.durationMs = fields.durationMs;
    if (fields.status !== undefined) entry.status = fields.status;
    if (fields.note !== undefined) entry.note = fields.note;
    // Output and info are what floods; headers, warnings and the result always reach the file. Progress is for live followers only.
    if (entry.kind === 'progress') {
      /* not written: the file has the condensed info lines */
    } else if (entry.kind === 'output' || entry.kind === 'info') this.log.writeBounded(formatLine(entry));
    else this.log.writeAlways(formatLine(entry));
    this.replay.push(entry);
    return entry;
  }
}
