import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveLocations, type BackendLocations } from '../../src/api/locations';
import type { Health, WorkspaceView } from '../../src/api/views';
import { DrydockClient } from '../../src/client/drydockClient';
import { removeWorkspaceObjects, uniqueName } from './docker';

/** The CLI bundle the tests run as a user would. */
export const CLI = join(__dirname, '../../../dist/cli.js');

/** How a CLI command ended. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` gives a value (not undefined/false), or fails naming what it waited for. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(intervalMs);
  }
}

/** Whether `pid` has exited; a zombie (exited, not yet reaped by its parent) counts as exited. */
export function pidExited(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * A state folder of its own (short: the socket path must stay under 107
 * bytes), the backend the CLI starts in it, and the workspaces a test made
 * there, removed by `cleanup`. Each suite adds how it runs the CLI.
 */
export abstract class CliSandbox {
  readonly dir: string;
  readonly locations: BackendLocations;
  readonly client: DrydockClient;
  private readonly workspaces: string[] = [];

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'dd-'));
    this.locations = resolveLocations({ DRYDOCK_STATE_DIR: this.dir });
    this.client = new DrydockClient(this.locations.socketPath);
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, DRYDOCK_STATE_DIR: this.dir };
  }

  /** A unique workspace name, removed from the engine by `cleanup`. */
  workspace(prefix: string): string {
    const name = uniqueName(prefix);
    this.workspaces.push(name);
    return name;
  }

  health(): Promise<Health | undefined> {
    return this.client.health().catch(() => undefined);
  }

  async pid(): Promise<number> {
    const health = await this.health();
    assert.ok(health, `no backend answers at ${this.locations.socketPath}`);
    return health.pid;
  }

  view(name: string): Promise<WorkspaceView> {
    return this.client.workspace(name);
  }

  /** Waits for build `buildId` of `name` to end and returns the workspace then. */
  waitForBuild(name: string, buildId: string, timeoutMs = 60_000): Promise<WorkspaceView> {
    return waitFor(`build ${buildId} of ${name} to end`, timeoutMs, async () => {
      const view = await this.view(name);
      return view.lastBuild?.buildId === buildId && view.lastBuild.status !== 'building' && view.state !== 'building' ? view : undefined;
    });
  }

  /** Stops the sandbox's backend; returns once it is gone. */
  abstract stopDaemon(): Promise<void>;

  async cleanup(): Promise<void> {
    await this.stopDaemon().catch((error: unknown) => console.warn(`could not stop the backend of ${this.dir}: ${String(error)}`));
    for (const name of this.workspaces) removeWorkspaceObjects(name);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
