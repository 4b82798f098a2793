/**
 * One daemon per user. The lock file names the running instance so a second
 * start can say which one answers; the socket is the second guard (a reused
 * pid can make a dead owner look alive, which the caller catches by finding
 * no one on the socket).
 *
 * The lock is created by hard-linking a fully written temp file, so it never
 * exists half-written: an empty or garbled lock can only be a crash's leftover,
 * never a rival caught between open() and write(). Where hard links are not
 * supported we fall back to open(O_EXCL) and accept that small window.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DrydockError } from '../../core/errors';

export interface LockOwner {
  pid: number;
  version: string;
  socketPath: string;
  startedAt: string;
}

export type LockResult = { acquired: true; release: () => void } | { acquired: false; owner: LockOwner };

/** Signal 0 checks existence only; EPERM means the process exists but is someone else's. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) === 'EPERM';
  }
}

const ATTEMPTS = 3;

export function acquireDaemonLock(lockFile: string, me: Omit<LockOwner, 'pid' | 'startedAt'>, isAlive: (pid: number) => boolean = processAlive): LockResult {
  mkdirSync(dirname(lockFile), { recursive: true, mode: 0o700 });
  const mine: LockOwner = { pid: process.pid, version: me.version, socketPath: me.socketPath, startedAt: new Date().toISOString() };
  const content = `${JSON.stringify(mine)}\n`;
  let lastOwner: LockOwner | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (createExclusive(lockFile, content)) return { acquired: true, release: releaser(lockFile, mine) };
    const raw = readRaw(lockFile);
    if (raw === undefined) continue; // its owner released it meanwhile: try again
    const owner = parseOwner(raw);
    if (owner !== undefined) {
      lastOwner = owner;
      if (isAlive(owner.pid)) return { acquired: false, owner };
    }
    // Dead owner, or a crash mid-write: take it over.
    removeIfUnchanged(lockFile, raw);
  }
  // Rivals kept taking it over under us; let whoever holds it now win.
  const current = readLockOwner(lockFile) ?? lastOwner;
  if (current !== undefined) return { acquired: false, owner: current };
  throw new DrydockError(
    'busy',
    `could not take the daemon lock ${lockFile} after ${ATTEMPTS} attempts; if no drydock daemon is running, remove that file and start again.`,
  );
}

export function readLockOwner(lockFile: string): LockOwner | undefined {
  const raw = readRaw(lockFile);
  return raw === undefined ? undefined : parseOwner(raw);
}

function releaser(lockFile: string, mine: LockOwner): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // A successor may have taken over a lock it judged stale; never delete theirs.
    const current = readLockOwner(lockFile);
    if (current?.pid !== mine.pid || current.startedAt !== mine.startedAt) return;
    tryUnlink(lockFile);
  };
}

function createExclusive(lockFile: string, content: string): boolean {
  const temp = join(dirname(lockFile), `.${basename(lockFile)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeSynced(temp, content);
  try {
    linkSync(temp, lockFile);
    return true;
  } catch (error) {
    if (code(error) === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code(error) ?? '')) throw error;
  } finally {
    tryUnlink(temp);
  }
  try {
    writeSynced(lockFile, content);
    return true;
  } catch (error) {
    if (code(error) === 'EEXIST') return false;
    throw error;
  }
}

function writeSynced(file: string, content: string): void {
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Two starters may both judge the same lock stale. Deleting by name would let
 * the slower one delete the faster one's fresh lock, so move the file aside
 * first and check it is still the one we judged; if not, put it back.
 */
function removeIfUnchanged(lockFile: string, judged: string): void {
  const aside = join(dirname(lockFile), `.${basename(lockFile)}.${process.pid}.${randomBytes(4).toString('hex')}.stale`);
  try {
    renameSync(lockFile, aside);
  } catch (error) {
    if (code(error) === 'ENOENT') return; // someone else removed it already
    throw error;
  }
  if (readRaw(aside) !== judged) {
    try {
      linkSync(aside, lockFile); // refuses to overwrite a third starter's lock
    } catch (error) {
      // EEXIST: a third starter holds it now and theirs stands. Without link support, rename it back if still free.
      if (code(error) !== 'EEXIST' && readRaw(lockFile) === undefined) {
        renameSync(aside, lockFile);
        return;
      }
    }
  }
  tryUnlink(aside);
}

function parseOwner(raw: string): LockOwner | undefined {
  try {
    const data = JSON.parse(raw) as Partial<Record<keyof LockOwner, unknown>> | null;
    if (typeof data !== 'object' || data === null) return undefined;
    const { pid, version, socketPath, startedAt } = data;
    // pid 0 or negative would make kill() signal a process group.
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
    if (typeof version !== 'string' || typeof socketPath !== 'string' || typeof startedAt !== 'string') return undefined;
    return { pid, version, socketPath, startedAt };
  } catch {
    return undefined;
  }
}

function readRaw(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function tryUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if (code(error) !== 'ENOENT') throw error;
  }
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
