import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DrydockError, invalid } from '../../core/errors';
import type { DockerAdapter, RunningScript } from '../../docker/adapter';
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

/** Listings and stat answers are small; a script that prints more than this is not read on. */
const MAX_SMALL_OUTPUT = 64 * 1024 * 1024;

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
  constructor(private readonly service: WorkspaceService) {}

  async stat(workspace: string, path: string): Promise<FileInfo> {
    const clean = checkPath(path);
    const { output } = await this.small(workspace, 'stat', STAT_SCRIPT, [clean], clean);
    return parseStat(output.toString('utf8'));
  }

  async list(workspace: string, path: string): Promise<DirectoryEntry[]> {
    const clean = checkPath(path);
    return parseListing((await this.small(workspace, 'list', LIST_SCRIPT, [clean], clean)).output);
  }

  /** The file's bytes as a stream; refusals (missing, a folder, not readable) are thrown before any byte. */
  async read(workspace: string, path: string): Promise<Readable> {
    const clean = checkPath(path);
    const target = await this.target(workspace);
    const script = await target.docker.containers.script(target.id, READ_SCRIPT, [clean], { user: target.user });
    await this.opened(script, 'read', clean, target.user);
    return script.stdout;
  }

  /** Streams `content` into the file, once the file is open; answers the bytes written. */
  async write(workspace: string, path: string, content: Readable, options: { create: boolean; overwrite: boolean }): Promise<{ size: number }> {
    const clean = checkPath(path);
    const target = await this.target(workspace);
    const script = await target.docker.containers.script(target.id, WRITE_SCRIPT, [clean, flag(options.create), flag(options.overwrite)], {
      user: target.user,
      stdin: true,
    });
    await this.opened(script, 'write', clean, target.user);
    const stdin = script.stdin;
    if (!stdin) throw new DrydockError('internal', 'write: the script has no stdin.');
    let size = 0;
    const counter = new PassThrough();
    counter.on('data', (chunk: Buffer) => (size += chunk.length));
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
    return { size };
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
  async target(workspace: string): Promise<Target> {
    const { docker, ...container } = await this.service.runningContainer(workspace);
    if (!container.user) throw new DrydockError('conflict', `workspace ${workspace} has no user recorded; rebuild it.`);
    return { docker, id: container.id, user: container.user };
  }

  /** Runs a script whose whole output is small, and maps its failure. */
  private async small(workspace: string, what: string, script: string, args: string[], path: string): Promise<{ output: Buffer }> {
    const target = await this.target(workspace);
    const running = await target.docker.containers.script(target.id, script, args, { user: target.user });
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
    const first = await new Promise<Buffer | undefined>((resolve, reject) => {
      const onReadable = (): void => {
        const byte = script.stdout.read(1) as Buffer | null;
        if (byte === null) return;
        cleanup();
        resolve(byte);
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
        script.stdout.off('readable', onReadable);
        script.stdout.off('end', onEnd);
        script.stdout.off('error', onError);
      };
      script.stdout.on('readable', onReadable);
      script.stdout.once('end', onEnd);
      script.stdout.once('error', onError);
    });
    if (first?.toString() === 'K') return;
    script.abort();
    const { stderr } = await script.finished;
    throw fileError(classify(stderr), what, path, user, stderr);
  }
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
