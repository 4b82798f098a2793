import { posix } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DrydockError, invalid } from '../../core/errors';
import type { DockerAdapter, RunningScript } from '../../docker/adapter';
import type { ScriptOptions } from '../../docker/scriptExec';
import type { WorkspaceService } from '../workspaces/workspaceService';
import {
  DELETE_SCRIPT,
  LIST_SCRIPT,
  MKDIR_SCRIPT,
  READ_SCRIPT,
  RENAME_SCRIPT,
  STAT_SCRIPT,
  WRITE_SCRIPT,
  classify,
  fileError,
  parseListing,
  parseStat,
  type DirectoryEntry,
  type FileInfo,
} from './fileScripts';
import { HeldReads } from './heldReads';

/** Listings and stat answers are small; a script that prints more than this is not read on. */
const MAX_SMALL_OUTPUT = 64 * 1024 * 1024;
/**
 * How long a workspace's container, once looked up, is used without asking
 * Docker again: an editor stats, reads and lists in bursts. A container that
 * went away in the meantime fails the exec, and the call looks it up afresh.
 */
const TARGET_TTL_MS = 2000;
/**
 * Bytes of content between two minor collections (see CollectingCounter):
 * what a transfer may leave resident. 8 MB let a 100 MB write raise the
 * backend's RSS by ~8 MB, 2 MB by ~2 MB, for ~50 scavenges per 100 MB
 * (each well under a millisecond).
 */
const COLLECT_EVERY_BYTES = 2 * 1024 * 1024;

interface Target {
  docker: DockerAdapter;
  id: string;
  user: string;
}

/**
 * A running workspace's files, read and written as its user through docker
 * exec (see fileScripts.ts). Content streams both ways: a file's bytes pass
 * through in chunks, with backpressure, and are never held whole.
 */
export class WorkspaceFiles {
  private readonly targets = new Map<string, { target: Target; until: number }>();
  private readonly heldReads = new HeldReads();

  constructor(private readonly service: WorkspaceService) {}

  /** The answer comes with the stat line; a readable file's script then waits a moment for the read (see HeldReads). */
  async stat(workspace: string, path: string): Promise<FileInfo> {
    const clean = checkPath(path);
    const { target, script } = await this.start(workspace, STAT_SCRIPT, [clean, '1'], { stdin: true });
    const line = await firstLine(script.stdout);
    if (line === undefined) {
      const { stderr } = await script.finished;
      throw fileError(classify(stderr), 'stat', clean, target.user, stderr);
    }
    const { held, ...info } = parseStat(line);
    if (held) this.heldReads.hold(heldKey(target, clean), script);
    else {
      script.stdin?.end();
      script.stdout.resume();
    }
    return info;
  }

  async list(workspace: string, path: string): Promise<DirectoryEntry[]> {
    const clean = checkPath(path);
    return parseListing((await this.small(workspace, 'list', LIST_SCRIPT, [clean], clean)).output);
  }

  /** The file's bytes as a stream; refusals (missing, a folder, not readable) are thrown before any byte. */
  async read(workspace: string, path: string): Promise<Readable> {
    const clean = checkPath(path);
    const target = await this.target(workspace);
    const script = this.heldReads.take(heldKey(target, clean), true) ?? (await this.start(workspace, READ_SCRIPT, [clean], {})).script;
    await this.opened(script, 'read', clean, target.user);
    const counter = new CollectingCounter();
    // Errors and a destroy (a client gone) travel both ways: the script is hung up on.
    pipeline(script.stdout, counter).catch(() => undefined);
    return counter;
  }

  /** Streams `content` into the file, once the file is open; answers the bytes written. */
  async write(workspace: string, path: string, content: Readable, options: { create: boolean; overwrite: boolean }): Promise<{ size: number }> {
    const clean = checkPath(path);
    const { target, script } = await this.start(workspace, WRITE_SCRIPT, [clean, flag(options.create), flag(options.overwrite)], { stdin: true });
    await this.opened(script, 'write', clean, target.user);
    const stdin = script.stdin;
    if (!stdin) throw new DrydockError('internal', 'write: the script has no stdin.');
    const counter = new CollectingCounter();
    try {
      // end: true closes the script's stdin (a half-close), so cat ends and the stream closes.
      await pipeline(content, counter, stdin);
    } catch (error) {
      script.abort();
      throw new DrydockError(
        'interrupted',
        `write ${clean}: the content stopped arriving (${(error as Error).message}); the file may be partly written. Save again.`,
      );
    }
    script.stdout.resume();
    const { exitCode, stderr } = await script.finished;
    if (exitCode !== 0) throw fileError(classify(stderr), 'write', clean, target.user, stderr);
    return { size: counter.bytes };
  }

  async createDirectory(workspace: string, path: string): Promise<void> {
    const clean = checkPath(path);
    await this.small(workspace, 'create folder', MKDIR_SCRIPT, [clean], clean);
  }

  async delete(workspace: string, path: string, recursive: boolean): Promise<void> {
    const clean = checkPath(path);
    if (clean === '/') throw invalid('path', 'the root folder cannot be deleted.');
    await this.small(workspace, 'delete', DELETE_SCRIPT, [clean, flag(recursive)], clean);
  }

  async rename(workspace: string, from: string, to: string, overwrite: boolean): Promise<void> {
    const source = checkPath(from, 'from');
    const destination = checkPath(to, 'to');
    await this.small(workspace, 'rename', RENAME_SCRIPT, [source, destination, flag(overwrite)], source);
  }

  /** The container to work in and its user; a workspace that is not running answers conflict, saying so. */
  async target(workspace: string, fresh = false): Promise<Target> {
    const known = this.targets.get(workspace);
    if (known && !fresh && known.until > Date.now() && known.target.docker === this.service.engineRuntime(workspace).docker) return known.target;
    this.targets.delete(workspace);
    const { docker, ...container } = await this.service.runningContainer(workspace);
    if (!container.user) throw new DrydockError('conflict', `workspace ${workspace} has no user recorded; rebuild it.`);
    const target = { docker, id: container.id, user: container.user };
    this.targets.set(workspace, { target, until: Date.now() + TARGET_TTL_MS });
    return target;
  }

  /** Starts a script as the workspace user; an exec refused on a container looked up earlier looks it up again once. */
  async start(workspace: string, script: string, args: string[], options: Omit<ScriptOptions, 'user'>): Promise<{ target: Target; script: RunningScript }> {
    const cached = this.targets.has(workspace);
    let target = await this.target(workspace);
    try {
      return { target, script: await target.docker.containers.script(target.id, script, args, { ...options, user: target.user }) };
    } catch (error) {
      if (!cached) throw error;
      target = await this.target(workspace, true);
      return { target, script: await target.docker.containers.script(target.id, script, args, { ...options, user: target.user }) };
    }
  }

  /** Runs a script whose whole output is small, and maps its failure. */
  private async small(workspace: string, what: string, script: string, args: string[], path: string): Promise<{ output: Buffer }> {
    const { target, script: running } = await this.start(workspace, script, args, {});
    const chunks: Buffer[] = [];
    let size = 0;
    running.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_SMALL_OUTPUT) chunks.push(chunk);
    });
    const { exitCode, stderr } = await running.finished;
    if (exitCode !== 0) throw fileError(classify(stderr), what, path, target.user, stderr);
    return { output: Buffer.concat(chunks) };
  }

  /** Waits for the script's K (the file is open); its absence is the refusal, read from its exit. */
  private async opened(script: RunningScript, what: string, path: string, user: string): Promise<void> {
    const first = await readWhenReady(script.stdout, () => (script.stdout.read(1) as Buffer | null) ?? undefined);
    if (first?.toString() === 'K') return;
    script.abort();
    const { stderr } = await script.finished;
    throw fileError(classify(stderr), what, path, user, stderr);
  }
}

/**
 * Passes content on, counting it, with a minor collection every few MB (the
 * backend runs with --expose-gc): each chunk is a short-lived Buffer whose
 * memory V8 gives back only when it collects, and it collects by heap size,
 * which these barely move, so a 100 MB save left ~25 MB of spent chunks
 * resident. A scavenge takes well under a millisecond.
 */
class CollectingCounter extends Transform {
  bytes = 0;
  private sinceCollect = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.sinceCollect += chunk.length;
    if (this.sinceCollect >= COLLECT_EVERY_BYTES) {
      this.sinceCollect = 0;
      (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc?.({ type: 'minor' });
    }
    callback(null, chunk);
  }
}

function heldKey(target: Target, path: string): string {
  return `${target.id}\0${target.user}\0${path}`;
}

/** The first line of a script's output (without its newline), leaving the rest unread; undefined when it ends before one. */
function firstLine(stream: Readable, limit = 4096): Promise<string | undefined> {
  let text = '';
  return readWhenReady(stream, () => {
    let chunk: Buffer | null;
    while ((chunk = stream.read() as Buffer | null) !== null) {
      const end = chunk.indexOf(10);
      if (end < 0 && text.length + chunk.length <= limit) {
        text += chunk.toString('utf8');
        continue;
      }
      if (end >= 0 && end + 1 < chunk.length) stream.unshift(chunk.subarray(end + 1));
      return end >= 0 ? text + chunk.subarray(0, end).toString('utf8') : text + chunk.toString('utf8');
    }
    return undefined;
  });
}

/** Calls `take` each time `stream` has data until it gives a value; undefined when the stream ends first. */
function readWhenReady<T>(stream: Readable, take: () => T | undefined): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const onReadable = (): void => {
      const value = take();
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}

function flag(value: boolean): string {
  return value ? '1' : '0';
}

/** An absolute path in the container, normalized (no `//`, no trailing slash); NUL cannot be in a name. */
export function checkPath(path: string, field = 'path'): string {
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw invalid(field, `"${String(path)}" is not an absolute path in the workspace; give one such as /home/dev/src.`);
  if (path.includes('\0')) throw invalid(field, 'a path cannot contain a NUL character.');
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}
