import { mkdirSync, openSync, closeSync } from 'node:fs';
import type { BackendLocations } from '../api/locations';
import type { Health } from '../api/views';
import { DrydockError } from '../core/errors';
import { BACKEND_ENV, BACKEND_NODE_FLAGS } from './backendProcess';
import { DrydockClient } from './drydockClient';
import { isBackendDown } from './transport';

export interface LaunchOptions {
  locations: BackendLocations;
  /** The backend bundle (dist/backend.js). */
  backendScript: string;
  /** The Node that runs it: this process's by default (VS Code passes its own with ELECTRON_RUN_AS_NODE). */
  nodePath?: string;
  env?: NodeJS.ProcessEnv;
  version: string;
  timeoutMs?: number;
  /** Told when a backend is being started or replaced, for a progress line. */
  onStatus?: (message: string) => void;
}

/**
 * A client of a backend of our own version: started when none answers
 * (detached, so it outlives this process), and replaced gracefully when the
 * running one is another version.
 */
export async function connectBackend(options: LaunchOptions): Promise<DrydockClient> {
  return (await connect(options)).client;
}

/**
 * A read sent alongside the version check rather than after it: its answer
 * is taken when the backend that answered is of our version, and it is asked
 * again of the backend started (or restarted) otherwise. Only for reads: a
 * change must never reach a backend of another version.
 */
export async function readFromBackend<T>(options: LaunchOptions, read: (client: DrydockClient) => Promise<T>): Promise<{ client: DrydockClient; value: T }> {
  const early = read(new DrydockClient(options.locations.socketPath)).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const { client, wasRunning } = await connect(options);
  const answer = await early;
  if (wasRunning && 'value' in answer) return { client, value: answer.value };
  // A backend that was not there yet, or went away meanwhile, is asked again; its refusal (not_found...) is the answer.
  if (wasRunning && 'error' in answer && !isBackendDown(answer.error)) throw answer.error;
  return { client, value: await read(client) };
}

/** `wasRunning`: a backend of our version already answered (none was started or replaced). */
async function connect(options: LaunchOptions): Promise<{ client: DrydockClient; wasRunning: boolean }> {
  const client = new DrydockClient(options.locations.socketPath);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const health = await client.health().catch((error: unknown) => {
    if (isBackendDown(error)) return undefined;
    throw error;
  });
  if (health?.version === options.version) return { client, wasRunning: true };
  if (health) {
    options.onStatus?.(`Restarting the Drydock backend (running ${health.version}, this is ${options.version})...`);
    await client.shutdown();
    await waitFor(async () => !(await answers(client)), timeoutMs * 2, 'the old backend to stop');
  } else {
    options.onStatus?.('Starting the Drydock backend...');
  }
  const spawned = await spawnDaemon(options);
  await waitFor(
    async () => {
      // A Node that cannot be run (a wrong drydock.backendNodePath) fails at once: say so rather than time out.
      if (spawned.error) {
        const node = options.nodePath ?? process.execPath;
        throw new DrydockError(
          'backend_down',
          `could not run ${node} to start the Drydock backend (${spawned.error.message}); check the Node.js path you gave.`,
        );
      }
      return (await healthOf(client))?.version === options.version;
    },
    timeoutMs,
    'the backend to start',
  );
  return { client, wasRunning: false };
}

/** Starts the backend detached; `error` is set if the program could not be run at all. */
async function spawnDaemon(options: LaunchOptions): Promise<{ error?: Error }> {
  // Loaded here: a CLI whose backend already runs never needs child_process.
  const { spawn } = await import('node:child_process');
  const spawned: { error?: Error } = {};
  mkdirSync(options.locations.stateDir, { recursive: true, mode: 0o700 });
  // Anything the daemon prints before its own logging starts (a crash) lands in its log file.
  const out = openSync(options.locations.daemonLog, 'a', 0o600);
  try {
    const child = spawn(options.nodePath ?? process.execPath, [...BACKEND_NODE_FLAGS, options.backendScript, 'run'], {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...(options.env ?? process.env), ...BACKEND_ENV },
    });
    child.once('error', (error) => (spawned.error = error));
    child.unref();
  } finally {
    closeSync(out);
  }
  return spawned;
}

async function healthOf(client: DrydockClient): Promise<Health | undefined> {
  return client.health().catch(() => undefined);
}

async function answers(client: DrydockClient): Promise<boolean> {
  return (await healthOf(client)) !== undefined;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 25;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 250);
  }
  throw new DrydockError('backend_down', `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}; see its log for why.`);
}
