import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import type { BackendLocations } from '../../api/locations';
import { VERSION } from '../../core/version';
import { Backend } from './backend';
import { acquireDaemonLock, processAlive, type LockResult } from './lock';

/** How long a live lock owner may take to listen on its socket before its lock is judged stale. */
const OWNER_LISTEN_GRACE_MS = 10_000;

/**
 * The backend process: one per user (lock + socket), owning the state file,
 * the engine link and the API. Resolves with the exit code.
 */
export async function runDaemon(locations: BackendLocations): Promise<number> {
  mkdirSync(locations.stateDir, { recursive: true, mode: 0o700 });
  const lock = await acquireLock(locations);
  if (!lock.acquired) {
    process.stdout.write(`The Drydock backend is already running (pid ${lock.owner.pid}, version ${lock.owner.version}, socket ${lock.owner.socketPath}).\n`);
    return 0;
  }
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  let stopping = false;
  const shutdown = (why: string): void => {
    if (stopping) return;
    stopping = true;
    backend.log(`stopping: ${why}`);
    void backend.dispose().finally(() => {
      lock.release();
      backend.log('stopped');
      resolveExit(0);
    });
  };
  const backend = new Backend(locations, shutdown);
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await backend.start();
  return exited;
}

/**
 * The lock, or who holds it. The socket is the lock's second guard: an owner
 * whose pid looks alive but that never listens is a dead backend's lock (its
 * pid reused by another process after a crash or reboot, or a zombie where
 * nothing reaps orphans after kill -9). A live owner takes the lock before it
 * listens, so it gets a grace period from its start; then the lock is taken over.
 */
async function acquireLock(paths: BackendLocations): Promise<LockResult> {
  const me = { version: VERSION, socketPath: paths.socketPath };
  const first = acquireDaemonLock(paths.lockFile, me);
  if (first.acquired) return first;
  const { owner } = first;
  const deadline = Math.min(Date.parse(owner.startedAt) || Date.now(), Date.now()) + OWNER_LISTEN_GRACE_MS;
  while (!(await listening(owner.socketPath))) {
    if (Date.now() >= deadline) return acquireDaemonLock(paths.lockFile, me, (pid) => pid !== owner.pid && processAlive(pid));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return first;
}

/** Whether something accepts connections on the socket; when unsure (no answer, other errors), yes. */
function listening(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(2_000, () => done(true));
    socket.on('connect', () => done(true));
    socket.on('error', (error: NodeJS.ErrnoException) => done(!['ENOENT', 'ECONNREFUSED', 'ENOTSOCK'].includes(error.code ?? '')));
  });
}
