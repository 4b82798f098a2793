import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { chmod, lchown, lstat, mkdir, open, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DrydockError } from '../../core/errors';
import { MAX_REQUEST_BYTES, PIPE_FILE, REQUEST_FILE } from '../../core/insideProtocol';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;

/** How the folder is shared with the workspace user (see `reset`). */
export type FolderSharing = 'private' | 'shared';

/**
 * One workspace's control folder on this machine, bind-mounted into its
 * container. The container (its root too) controls what is in it, so every
 * name here is hostile: nothing is followed through a link (O_NOFOLLOW, lstat),
 * requests are read only as small regular files, answers are created with
 * O_EXCL, no path ever comes from a request (only names matching one fixed
 * pattern, joined to this folder), and nothing here is removed recursively
 * while a container may still be writing to it.
 */
export class ControlFolder {
  constructor(readonly path: string) {}

  /**
   * Readies the folder for a new build: top-level entries the last container
   * left are removed (never through a link, never descending into a folder it
   * made), and the folder is given to the workspace user. Owned by the user
   * (the backend is root) or shared by uid (the same uid) it is `private`
   * (0700); otherwise it must be world-writable, inside a 0700 folder of the
   * backend's, and the command writes its requests readable (`shared`).
   */
  async reset(owner: { uid: number; gid: number }): Promise<FolderSharing> {
    await mkdir(join(this.path, '..'), { recursive: true, mode: 0o700 });
    await chmod(join(this.path, '..'), 0o700);
    const existing = await lstat(this.path).catch(() => undefined);
    if (existing && !existing.isDirectory()) await unlink(this.path);
    await mkdir(this.path, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.path)) await removeEntry(join(this.path, name));
    const uid = process.getuid?.() ?? -1;
    if (uid === 0) {
      await lchown(this.path, owner.uid, owner.gid);
      await chmod(this.path, 0o700);
      return 'private';
    }
    await chmod(this.path, uid === owner.uid ? 0o700 : 0o777);
    return uid === owner.uid ? 'private' : 'shared';
  }

  /** The names of waiting requests, at most `limit` (a flood is read a batch at a time). */
  async requestNames(limit: number): Promise<string[]> {
    const names = await readdir(this.path).catch(() => [] as string[]);
    return names.filter((name) => REQUEST_FILE.test(name)).slice(0, limit);
  }

  /** A request's text, removed from the folder; undefined when it is not a small regular file. */
  async takeRequest(name: string): Promise<string | undefined> {
    if (!REQUEST_FILE.test(name)) return undefined;
    const path = join(this.path, name);
    let text: string | undefined;
    // Non-blocking: a pipe planted under a request's name must not hang the backend.
    const handle = await open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK).catch(() => undefined);
    if (handle) {
      try {
        const stat = await handle.stat();
        if (stat.isFile() && stat.size <= MAX_REQUEST_BYTES) {
          const buffer = Buffer.alloc(MAX_REQUEST_BYTES + 1);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
          if (bytesRead <= MAX_REQUEST_BYTES) text = buffer.subarray(0, bytesRead).toString('utf8');
        }
      } finally {
        await handle.close();
      }
    }
    await unlink(path).catch(() => undefined);
    return text;
  }

  /** Writes the answer to request `name` as `ans-<id>` (a new file, then a rename, so it is read whole or not at all). */
  async answer(requestName: string, text: string): Promise<void> {
    const id = requestName.slice('req-'.length);
    const temp = join(this.path, `.ans-${id}.tmp`);
    const handle = await open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
    try {
      await handle.writeFile(text);
      await handle.chmod(0o644);
    } finally {
      await handle.close();
    }
    // rename replaces a link planted under the answer's name, never what it points to.
    await rename(temp, join(this.path, `ans-${id}`));
  }

  /**
   * Opens the keepalive's pipe for reading, without blocking and without
   * following a link. Synchronous, so a restarted backend checks its leases'
   * holders before its auto-off timer runs. Returns the descriptor, or throws
   * when it is not a pipe or its holder is gone (no writer: a read gives EOF).
   */
  openPipe(name: string): number {
    if (!PIPE_FILE.test(name)) throw new DrydockError('invalid_input', 'pipe: the keepalive pipe name is not in the expected form.', 'pipe');
    let fd: number;
    try {
      fd = openSync(join(this.path, name), O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
    } catch {
      throw new DrydockError('not_found', `the keepalive pipe ${name} is gone; run drydock keepalive again.`, 'pipe');
    }
    try {
      if (!fstatSync(fd).isFIFO()) throw new DrydockError('invalid_input', `${name} is not a pipe; use the drydock command, which makes it.`, 'pipe');
      if (!holderAlive(fd)) throw new DrydockError('not_found', `nobody holds the keepalive pipe ${name} open; run drydock keepalive again.`, 'pipe');
      return fd;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Removes answers nobody collected and pipes and temp files left by killed commands, once older than `ageMs`. */
  async sweep(ageMs: number, inUse: ReadonlySet<string>): Promise<void> {
    const cutoff = Date.now() - ageMs;
    for (const name of await readdir(this.path).catch(() => [] as string[])) {
      if (inUse.has(name) || !/^(ans-|\.ans-|\.tmp-|lease-)/.test(name)) continue;
      try {
        const stat = lstatSync(join(this.path, name));
        if (!stat.isDirectory() && stat.mtimeMs < cutoff) await unlink(join(this.path, name));
      } catch {
        // Gone already.
      }
    }
  }

  /** The whole folder, once no container mounts it (the workspace was deleted): nothing can race the removal then. */
  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

/** A non-blocking read on a pipe: EAGAIN means a writer holds it open; 0 bytes means none does. */
function holderAlive(fd: number): boolean {
  const buffer = Buffer.alloc(4096);
  for (let reads = 0; reads < 64; reads++) {
    try {
      if (readSync(fd, buffer, 0, buffer.length, null) === 0) return false;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return true;
      throw error;
    }
  }
  return true;
}

/** One top-level entry: a file, link or pipe is unlinked; a folder only if empty (its contents are never walked). */
async function removeEntry(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat) return;
  if (stat.isDirectory()) await rmdir(path).catch(() => undefined);
  else await unlink(path).catch(() => undefined);
}
