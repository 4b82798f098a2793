import { appendFileSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { LABEL } from '../../core/names';
import { VERSION } from '../../core/version';
import type { Health } from '../api/protocol';
import { ApiServer } from '../api/server';
import { BuildLogStore } from '../build/logStore';
import { DotfilesCache } from '../hooks/dotfilesCache';
import { DockerLink } from '../service/dockerLink';
import { EventBus } from '../service/eventBus';
import { ExecSessions } from '../service/execSessions';
import { STATE_SCHEMA_VERSION, validateDaemonState, type DaemonState } from '../service/records';
import { WorkspaceService } from '../service/workspaceService';
import { StateFile } from '../state/stateStore';
import { AutoOffManager } from '../autooff/autoOffManager';
import { DEFAULT_POLICY_PATH, PolicySource } from '../autooff/policySource';
import { Scheduler } from '../schedule/scheduler';
import { acquireDaemonLock, processAlive, type LockResult } from './lock';
import type { DaemonPaths } from './paths';

/** How long SIGTERM waits for running builds before leaving them to be marked interrupted. */
const BUILD_DRAIN_MS = 20_000;
/** How long the first look at Docker may hold up listening (clients wait 15 s for a new backend). */
const FIRST_DOCKER_LOOK_MS = 5_000;
/** How long a live lock owner may take to listen on its socket before its lock is judged stale. */
const OWNER_LISTEN_GRACE_MS = 10_000;

/**
 * The backend process: one per user (lock + socket), owning the state file,
 * the engine link and the API. Resolves with the exit code.
 */
export async function runDaemon(paths: DaemonPaths): Promise<number> {
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const lock = await acquireLock(paths);
  if (!lock.acquired) {
    process.stdout.write(`The Drydock backend is already running (pid ${lock.owner.pid}, version ${lock.owner.version}, socket ${lock.owner.socketPath}).\n`);
    return 0;
  }
  const log = (message: string): void => {
    const line = `${new Date().toISOString()} ${message}\n`;
    // A detached daemon's stderr is its log file already (see daemonLauncher); in a terminal, show it too.
    if (process.stderr.isTTY) process.stderr.write(line);
    try {
      appendFileSync(paths.daemonLog, line, { mode: 0o600 });
    } catch {
      process.stderr.write(line);
    }
  };

  const stateFile = new StateFile<DaemonState>({ file: paths.stateFile, schemaVersion: STATE_SCHEMA_VERSION, empty: () => ({ workspaces: {} }), validate: validateDaemonState, log });
  const loaded = await stateFile.load();
  if (loaded.recovered) log(`state file: ${loaded.recovered.reason}; moved to ${loaded.recovered.movedTo ?? '(nowhere)'}; rebuilding it from Docker's labelled objects`);

  const events = new EventBus();
  const logs = new BuildLogStore(paths.logsDir);
  const service = new WorkspaceService({
    logs,
    dotfiles: new DotfilesCache(paths.dotfilesDir),
    events,
    save: (records) => stateFile.save({ workspaces: Object.fromEntries(records) }),
    log,
  });
  service.load(Object.values(loaded.state.workspaces));

  // Auto-off and auto-start live here, not in the editor, so they work with no window open.
  const policyWatchers: (() => void)[] = [];
  const policy = new PolicySource(process.env.DRYDOCK_POLICY ?? DEFAULT_POLICY_PATH, (_policy, problem) => {
    if (problem) {
      log(`policy: ${problem}`);
      events.emit({ type: 'warning', message: `Organization policy: ${problem}` });
    } else log(`policy: in force from ${policy.view().source === 'file' ? policy.path : 'built-in defaults'}`);
    for (const watcher of policyWatchers) watcher();
  });
  await policy.start();
  const clocks = new AutoOffManager({ service, events, policy: () => policy.policy, log });
  const schedules = new Scheduler({ service, events, autoOff: clocks, policy: () => policy.policy, log });
  policyWatchers.push(() => clocks.policyChanged(), () => schedules.policyChanged());
  let schedulerStarted = false;

  let needsAdoption = loaded.recovered !== undefined;
  const pendingEvents = new Map<string, NodeJS.Timeout>();
  const link = new DockerLink({
    onUp: async (adapter) => {
      log(`Docker answers at ${adapter.endpointDescription}`);
      await service.dockerUp(adapter);
      if (needsAdoption) {
        needsAdoption = false;
        const adopted = await service.adoptFromDocker();
        if (adopted.length > 0) log(`recovered workspaces from Docker: ${adopted.join(', ')}`);
      }
      for (const name of service.names()) clocks.sync(name);
      // Catch-up needs Docker, so the scheduler starts once it answers.
      if (!schedulerStarted) {
        schedulerStarted = true;
        schedules.start();
      }
    },
    onDown: (reason) => {
      log(`Docker is unreachable (${reason}); workspaces show unknown until it answers again`);
      service.dockerDown(reason);
    },
    onContainerEvent: (event) => {
      // Bursts (die, stop, destroy) settle into one reconcile per workspace.
      const workspace = event.labels[LABEL.workspace];
      if (!workspace) return;
      clearTimeout(pendingEvents.get(workspace));
      pendingEvents.set(workspace, setTimeout(() => {
        pendingEvents.delete(workspace);
        void service.onContainerEvent(workspace).catch((error: unknown) => log(`reconcile ${workspace}: ${String(error)}`));
      }, 200));
    },
  });

  const startedAt = new Date().toISOString();
  let shuttingDown: Promise<void> | undefined;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  const health = (): Health => ({
    status: 'ok',
    version: VERSION,
    pid: process.pid,
    startedAt,
    docker: { reachable: service.isDockerReachable, ...(link.endpoint ? { endpoint: link.endpoint } : {}), ...(!service.isDockerReachable && link.error ? { error: link.error } : {}) },
  });
  const server = new ApiServer({
    service,
    sessions: new ExecSessions(service),
    logs,
    events,
    autoOff: clocks,
    scheduler: schedules,
    policy,
    health,
    shutdown: () => void shutdown('shutdown requested over the API'),
  });

  const shutdown = (why: string): Promise<void> => {
    shuttingDown ??= (async () => {
      log(`stopping: ${why}`);
      await server.close();
      await service.drain(BUILD_DRAIN_MS);
      link.close();
      clocks.close();
      schedules.close();
      policy.close();
      for (const timer of pendingEvents.values()) clearTimeout(timer);
      await service.flush();
      await rm(paths.socketPath, { force: true });
      lock.release();
      log('stopped');
      resolveExit(0);
    })();
    return shuttingDown;
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  // Look at Docker (reconcile, adopt) before answering, so a client that started us never sees a
  // state not yet reconciled, nor "Docker cannot be reached" for an engine that is fine. Bounded:
  // if the engine is slow, clients get `unknown` until it answers.
  await Promise.race([link.start(), new Promise((resolve) => setTimeout(resolve, FIRST_DOCKER_LOOK_MS).unref())]);
  if (shuttingDown) return exited;
  await server.listen(paths.socketPath);
  log(`Drydock backend ${VERSION} (pid ${process.pid}) listening on ${paths.socketPath}`);
  return exited;
}

/**
 * The lock, or who holds it. The socket is the lock's second guard: an owner
 * whose pid looks alive but that never listens is a dead backend's lock (its
 * pid reused by another process after a crash or reboot, or a zombie where
 * nothing reaps orphans after kill -9). A live owner takes the lock before it
 * listens, so it gets a grace period from its start; then the lock is taken over.
 */
async function acquireLock(paths: DaemonPaths): Promise<LockResult> {
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
