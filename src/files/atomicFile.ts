/**
 * Replace a file so that readers (and a crash at any moment) see either the
 * old content or the new, never a mix: write a temp file in the same folder
 * (rename is only atomic within one file system), fsync it, rename it over
 * the target, then fsync the folder so the rename itself survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Per-path queue: writes to one file run one after another, in call order, so the last call's data wins. */
const queues = new Map<string, Promise<void>>();

export function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  const key = resolve(path);
  const previous = queues.get(key) ?? Promise.resolve();
  // An earlier failure was reported to its own caller; it must not cancel this write.
  const next = previous.catch(() => undefined).then(() => replace(key, data, mode));
  queues.set(key, next);
  const forget = () => {
    if (queues.get(key) === next) queues.delete(key);
  };
  void next.then(forget, forget);
  return next;
}

async function replace(path: string, data: string, mode: number): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.chmod(mode); // open()'s mode is filtered by the umask; the caller asked for exactly this one
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Windows cannot open a folder (EISDIR) and some file systems refuse fsync on one (EINVAL); the rename is still done.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}
