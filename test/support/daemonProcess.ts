import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveLocations } from '../../src/api/locations';
import type { DaemonEvent, WorkspaceView } from '../../src/api/views';
import { BACKEND_ENV, BACKEND_NODE_FLAGS } from '../../src/client/backendProcess';
import { DrydockClient } from '../../src/client/drydockClient';
import type { SpecInput } from '../../src/core/spec';
import { removeWorkspaceObjects, uniqueName } from './docker';

const ROOT = join(__dirname, '../../..');
/** The bundles run: dist/, or another build's (DRYDOCK_BENCH_DIST, for a benchmark of before against after). */
export const DIST = process.env.DRYDOCK_BENCH_DIST ?? join(ROOT, 'dist');

/** A real backend process (the dist/backend.js bundle) in its own state folder, for integration tests. */
export interface TestDaemon {
  stateDir: string;
  client: DrydockClient;
  process: ChildProcess;
  events: DaemonEvent[];
  /** Resolves with the first event matching, waiting up to timeoutMs. */
  waitForEvent(match: (event: DaemonEvent) => boolean, timeoutMs: number): Promise<DaemonEvent>;
  workspace(name: string): Promise<WorkspaceView>;
  stop(): Promise<void>;
}

export function newStateDir(): string {
  // Short: the socket path must fit in 107 bytes.
  return mkdtempSync(join(tmpdir(), 'dd-'));
}

/** `waitForDocker: false`: return once the backend answers, reachable engine or not (an engine it must refuse). */
export async function startDaemon(stateDir: string, env: Record<string, string> = {}, options: { waitForDocker?: boolean } = {}): Promise<TestDaemon> {
  const waitForDocker = options.waitForDocker ?? true;
  // Started as the launcher starts it, so benchmarks measure it as users run it.
  const child = spawn(process.execPath, [...BACKEND_NODE_FLAGS, join(DIST, 'backend.js'), 'run'], {
    env: { ...process.env, ...BACKEND_ENV, DRYDOCK_STATE_DIR: stateDir, DRYDOCK_POLICY: join(stateDir, 'policy.json'), ...env },
    stdio: 'ignore',
  });
  const client = new DrydockClient(resolveLocations({ DRYDOCK_STATE_DIR: stateDir }).socketPath);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const health = await client.health().catch(() => undefined);
    if (health && health.pid === child.pid && (health.docker.reachable || !waitForDocker)) break;
    if (Date.now() > deadline) throw new Error(`the backend in ${stateDir} did not start; see ${stateDir}/daemon.log`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const events: DaemonEvent[] = [];
  const waiters = new Set<() => void>();
  const abort = new AbortController();
  void client
    .events((event) => {
      events.push(event);
      for (const wake of [...waiters]) wake();
    }, abort.signal)
    .catch(() => undefined);
  return {
    stateDir,
    client,
    process: child,
    events,
    waitForEvent: (match, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = events.find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; events: ${JSON.stringify(events.map((event) => event.type))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    workspace: (name) => client.workspace(name),
    stop: async () => {
      abort.abort();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function removeStateDir(stateDir: string): void {
  rmSync(stateDir, { recursive: true, force: true });
}

/** Creates a workspace through the API and waits until its build ends running. */
export async function createRunning(daemon: TestDaemon, spec: SpecInput): Promise<WorkspaceView> {
  const { name } = spec;
  const created = await daemon.client.createWorkspace(spec, { build: true });
  await daemon.waitForEvent(
    (event) =>
      event.type === 'workspace' &&
      event.workspace.name === name &&
      event.workspace.lastBuild?.buildId === created.buildId &&
      event.workspace.lastBuild?.status !== 'building',
    60_000,
  );
  const view = await daemon.workspace(name);
  if (view.state !== 'running') throw new Error(`${name} did not build: ${JSON.stringify(view.lastBuild)}`);
  return view;
}

/** A backend in a new state folder whose organization policy is `policy` (written as its policy.json). */
export async function startDaemonWithPolicy(policy: unknown): Promise<TestDaemon> {
  const stateDir = newStateDir();
  writeFileSync(join(stateDir, 'policy.json'), JSON.stringify(policy));
  return startDaemon(stateDir);
}

/**
 * What a suite of policy backends keeps for its `after`: workspace names it made
 * and backends it started, both removed by `cleanUp()`.
 */
export function policyDaemons(): {
  workspace: (prefix: string) => string;
  daemonWith: (policy: unknown) => Promise<TestDaemon>;
  /** A backend the suite started another way (a restart), removed with the rest. */
  own: (daemon: TestDaemon) => void;
  cleanUp: () => Promise<void>;
} {
  const workspaces: string[] = [];
  const daemons: TestDaemon[] = [];
  return {
    workspace: (prefix) => {
      const name = uniqueName(prefix);
      workspaces.push(name);
      return name;
    },
    daemonWith: async (policy) => {
      const daemon = await startDaemonWithPolicy(policy);
      daemons.push(daemon);
      return daemon;
    },
    own: (daemon) => void daemons.push(daemon),
    cleanUp: async () => {
      for (const daemon of daemons) {
        await daemon.stop();
        removeStateDir(daemon.stateDir);
      }
      for (const name of workspaces) removeWorkspaceObjects(name);
    },
  };
}
