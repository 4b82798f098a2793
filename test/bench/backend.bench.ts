import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { DaemonEvent } from '../../src/api/views';
import { DrydockClient } from '../../src/client/drydockClient';
import { docker, removeObjectsNamed } from '../support/docker';
import { createRunning, DIST, newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { addSummary, median, report, sideBySide, summarize, time } from './measure';

const WORKSPACES = 200;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The backend with many workspaces and the CLI against it: start-up of
 * `drydock --version` and `drydock ls` against `node -e 0` (the floor of any
 * Node CLI), `ls --json` against `docker ps`, a rebuild through the CLI
 * against the raw docker CLI and the Dev Containers CLI, the cost of
 * heartbeats and of event-stream clients, the idle daemon, and the latency of
 * auto-off stops and scheduled starts.
 */
export async function benchBackend(image: string, rounds: number): Promise<void> {
  const stateDir = newStateDir();
  writeFileSync(join(stateDir, 'policy.json'), JSON.stringify({ autoOff: { default: '1h' } }));
  const env = { ...process.env, DRYDOCK_STATE_DIR: stateDir };
  // As a user runs it: the command itself (npm's bin), whose first lines start Node (see esbuild.mjs).
  const cli = (...args: string[]): string => execFileSync(join(DIST, 'cli.js'), args, { env, encoding: 'utf8' });
  const daemon = await startDaemon(stateDir);
  const names = Array.from({ length: WORKSPACES }, (_, index) => `bench-ws-${index}`);
  try {
    const created = Date.now();
    for (const name of names) await daemon.client.createWorkspace({ name, image, pullPolicy: 'never' }, { build: false });
    for (const name of names) await daemon.client.setSchedule(name, { weekdays: '09:00', timeZone: 'Europe/Berlin' });
    console.log(`\n(created ${WORKSPACES} workspaces with weekday schedules in ${Date.now() - created} ms)`);
    await createRunning(daemon, { name: 'bench-cli', image, pullPolicy: 'never' });

    await cliStart(cli, rounds);
    const dockerPs = {
      label: 'docker ps -a --filter label',
      run: () => docker(['ps', '-a', '--filter', 'label=dev.drydock.managed=true', '--format', '{{json .}}']),
    };
    const listed = await sideBySide(rounds * 3, [{ label: 'drydock ls --json', run: () => cli('ls', '--json') }, dockerPs]);
    report(`List ${WORKSPACES + 1} workspaces: drydock ls --json vs docker ps --filter label`, listed);
    summarize(`List ${WORKSPACES + 1}: ls --json vs docker ps`, listed);
    const answered = await sideBySide(rounds * 3, [{ label: 'GET /v1/workspaces', run: () => daemon.client.listWorkspaces() }, dockerPs]);
    report(`List ${WORKSPACES + 1} workspaces: the backend's answer (GET /v1/workspaces) vs docker ps`, answered);

    await rebuildThroughCli(cli, image, rounds);
    await heartbeats(daemon);
    await eventClients(daemon, image);
    await idleCost(daemon);
    await stopLatency(daemon, image);
    await startLatency(daemon);
  } finally {
    await daemon.stop();
    // All its workspaces at once (two docker calls instead of two per workspace).
    removeObjectsNamed('drydock-bench-');
    removeStateDir(stateDir);
  }
}

/**
 * `drydock --version` and `drydock ls` against `node -e 0`. Where
 * NODE_EXTRA_CA_CERTS is set (it is on these machines), Node reads and parses
 * that bundle before any script runs and the CLI starts without it, so the
 * two are also compared with `node -e 0` started without it: the like for
 * like figure of what the CLI's own code costs.
 */
async function cliStart(cli: (...args: string[]) => string, rounds: number): Promise<void> {
  const node = { label: 'node -e 0', run: () => execFileSync(process.execPath, ['-e', '0']) };
  const withoutCaBundle = { ...process.env };
  delete withoutCaBundle.NODE_EXTRA_CA_CERTS;
  const bareNode = { label: 'node -e 0 without NODE_EXTRA_CA_CERTS', run: () => execFileSync(process.execPath, ['-e', '0'], { env: withoutCaBundle }) };
  for (const [what, args] of [
    ['CLI start: drydock --version', ['--version']],
    [`CLI start: drydock ls (${WORKSPACES + 1} workspaces)`, ['ls']],
  ] as const) {
    const drydock = { label: `drydock ${args.join(' ')}`, run: () => cli(...args) };
    const samples = await sideBySide(rounds * 3, [drydock, node]);
    report(`${what} vs node -e 0`, samples, { max: 1.15 });
    summarize(what, samples, { max: 1.15 });
    if (process.env.NODE_EXTRA_CA_CERTS === undefined) continue;
    const bare = await sideBySide(rounds * 3, [drydock, bareNode]);
    report(`${what} vs node -e 0, both without NODE_EXTRA_CA_CERTS (like for like)`, bare);
    summarize(`${what}, like for like`, bare);
  }
}

/** `drydock rebuild NAME --yes` (following the log to the end) against the raw docker CLI sequence and the Dev Containers CLI. */
async function rebuildThroughCli(cli: (...args: string[]) => string, image: string, rounds: number): Promise<void> {
  const raw = 'drydock-bench-cli-raw';
  const drydock = { label: 'drydock rebuild bench-cli --yes', run: () => cli('rebuild', 'bench-cli', '--yes') };
  const rawCli = {
    label: 'raw docker CLI (rm -f; run -d --init; exec)',
    run: () => {
      docker(['rm', '-f', raw]);
      docker(['run', '-d', '--init', '--name', raw, '-u', '1000:1000', '-w', '/home/dev', '-v', `${raw}-home:/home/dev`, image, 'sleep', '86400']);
      docker(['exec', raw, 'true']);
    },
  };
  try {
    const samples = await sideBySide(rounds, [drydock, rawCli]);
    report('Rebuild: drydock rebuild (CLI, following the log) vs raw docker CLI', samples, { max: 0.85, goal: 0.7 });
    summarize('Rebuild through the CLI vs raw docker CLI', samples, { max: 0.85, goal: 0.7 });
  } finally {
    docker(['rm', '-f', raw]);
    docker(['volume', 'rm', '-f', `${raw}-home`]);
  }
  await devContainersPeer(drydock, image, rounds);
}

/**
 * The Dev Containers CLI (from the npm registry, through npx) on the same
 * image, with a home volume and the same "configure" (a command that does
 * nothing) as its postCreateCommand: `up --remove-existing-container` is its rebuild.
 */
async function devContainersPeer(drydock: { label: string; run: () => unknown }, image: string, rounds: number): Promise<void> {
  const folder = newStateDir();
  const volume = 'drydock-bench-devcontainer-home';
  mkdirSync(join(folder, '.devcontainer'));
  writeFileSync(
    join(folder, '.devcontainer/devcontainer.json'),
    JSON.stringify({
      image,
      containerUser: 'dev',
      updateRemoteUserUID: false,
      overrideCommand: true,
      mounts: [`source=${volume},target=/home/dev,type=volume`],
      postCreateCommand: 'true',
    }),
  );
  const up = (): void => {
    const run = spawnSync('npx', ['--yes', '@devcontainers/cli@0', 'up', '--workspace-folder', folder, '--remove-existing-container'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (run.status !== 0) throw new Error(`devcontainer up failed: ${(run.stderr || run.stdout).slice(-400)}`);
  };
  try {
    up(); // fetches the CLI once, outside the timing
    const samples = await sideBySide(rounds, [drydock, { label: 'devcontainer up --remove-existing-container', run: up }]);
    report('Rebuild: drydock rebuild (CLI) vs the Dev Containers CLI', samples);
    summarize('Rebuild through the CLI vs Dev Containers CLI', samples);
  } catch (error) {
    console.log(`\n## Rebuild vs the Dev Containers CLI: not measured (${(error as Error).message})`);
    addSummary({
      what: 'Rebuild through the CLI vs Dev Containers CLI',
      drydock: '',
      peer: `not measured: ${(error as Error).message.slice(0, 60)}`,
      target: '(for information)',
    });
  } finally {
    const containers = docker(['ps', '-aq', '--filter', `label=devcontainer.local_folder=${folder}`]).trim();
    if (containers) docker(['rm', '-f', ...containers.split('\n')]);
    docker(['volume', 'rm', '-f', volume]);
    removeStateDir(folder);
  }
}

/** CPU ticks (1/100 s) the process has used. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

/** The share of one core the process used while `work` ran. */
async function coreShare(pid: number, work: () => Promise<unknown>): Promise<{ share: number; seconds: number }> {
  const before = cpuTicks(pid);
  const started = Date.now();
  await work();
  const seconds = (Date.now() - started) / 1000;
  return { share: (cpuTicks(pid) - before) / 100 / seconds, seconds };
}

/** 10 windows, each sending 10 heartbeats a second for 10 s: the backend's CPU, and how often it writes its state file. */
async function heartbeats(daemon: TestDaemon): Promise<void> {
  const pid = daemon.process.pid ?? 0;
  const windows = Array.from({ length: 10 }, () => new DrydockClient(daemon.client.socketPath));
  let writes = 0;
  const watcher = watch(daemon.stateDir, (_event, file) => {
    if (file === 'state.json') writes++;
  });
  const seconds = 10;
  const { share } = await coreShare(pid, async () => {
    const end = Date.now() + seconds * 1000;
    await Promise.all(
      windows.map(async (window) => {
        for (let next = Date.now(); next < end; next += 100) {
          await window.activity('bench-cli', 'editor');
          await sleep(Math.max(0, next + 100 - Date.now()));
        }
      }),
    );
  });
  watcher.close();
  // A rename into place is seen as one or two events: count at most the writes that could be.
  const perSecond = writes / 2 / seconds;
  console.log(`\n## 100 heartbeats a second from 10 windows, for ${seconds} s`);
  console.log(
    `  backend CPU ${(share * 100).toFixed(1)}% of a core (target < 5%); state file events ${writes} (~${perSecond.toFixed(1)} writes/s, target <= 1)`,
  );
  addSummary({
    what: '100 heartbeats/s from 10 windows: CPU',
    drydock: `${(share * 100).toFixed(1)}% of a core`,
    peer: '-',
    target: '< 5%',
    met: share < 0.05,
  });
  addSummary({ what: '100 heartbeats/s: state writes', drydock: `~${perSecond.toFixed(1)}/s`, peer: '-', target: '<= 1/s', met: perSecond <= 1 });
}

/** The backend's CPU during rebuilds of 5 workspaces, with 100 event-stream clients and with none: the difference is what the clients cost. */
async function eventClients(daemon: TestDaemon, image: string): Promise<void> {
  const pid = daemon.process.pid ?? 0;
  const sse = Array.from({ length: 5 }, (_, index) => `bench-sse-${index}`);
  for (const name of sse) await createRunning(daemon, { name, image, pullPolicy: 'never' });
  const rebuildAll = async (): Promise<void> => {
    const seen = daemon.events.length;
    const builds = await Promise.all(sse.map((name) => daemon.client.rebuild(name)));
    for (const [index, name] of sse.entries()) {
      await daemon.waitForEvent(
        (event: DaemonEvent) =>
          daemon.events.indexOf(event) >= seen &&
          event.type === 'workspace' &&
          event.workspace.name === name &&
          event.workspace.lastBuild?.buildId === builds[index]?.buildId &&
          event.workspace.lastBuild.status !== 'building',
        120_000,
      );
    }
  };
  const alone = await coreShare(pid, rebuildAll);
  const abort = new AbortController();
  // One signal for 100 clients is the point here, not a leak.
  setMaxListeners(200, abort.signal);
  let received = 0;
  const clients = Array.from({ length: 100 }, () => new DrydockClient(daemon.client.socketPath));
  for (const client of clients) void client.events(() => received++, abort.signal).catch(() => undefined);
  await sleep(1000);
  const watched = await coreShare(pid, rebuildAll);
  abort.abort();
  const cost = Math.max(0, watched.share * watched.seconds - alone.share * alone.seconds) / watched.seconds;
  console.log(`\n## 100 event-stream clients during a rebuild of 5 workspaces`);
  console.log(
    `  backend CPU ${(watched.share * 100).toFixed(1)}% of a core over ${watched.seconds.toFixed(1)} s with them, ${(alone.share * 100).toFixed(1)}% without; ` +
      `the clients cost ${(cost * 100).toFixed(1)}% (target < 10%); ${received} events delivered`,
  );
  addSummary({
    what: '100 event-stream clients, 5 rebuilds',
    drydock: `+${(cost * 100).toFixed(1)}% of a core`,
    peer: 'no clients',
    target: '< 10%',
    met: cost < 0.1,
  });
}

/** CPU time and resident memory of the idle daemon over 10 s (from /proc). */
async function idleCost(daemon: TestDaemon): Promise<void> {
  const pid = daemon.process.pid ?? 0;
  await sleep(2000);
  const { share } = await coreShare(pid, () => sleep(10_000));
  console.log(`\n## Idle backend with ${WORKSPACES + 6} workspaces on schedules`);
  console.log(`  CPU ${(share * 100).toFixed(2)}% of a core; RSS ${rssMb(pid).toFixed(1)} MB`);
  addSummary({ what: `Idle backend, ${WORKSPACES + 6} workspaces: CPU`, drydock: `${(share * 100).toFixed(2)}% of a core`, peer: '-', target: 'near zero' });
}

/** From a workspace's deadline to the auto-off stop being done. */
async function stopLatency(daemon: TestDaemon, image: string): Promise<void> {
  writeFileSync(join(daemon.stateDir, 'policy.json'), JSON.stringify({ autoOff: { default: '3s', warnBefore: [] } }));
  await sleep(500);
  const samples: number[] = [];
  for (let round = 0; round < 3; round++) {
    const view = await createRunning(daemon, { name: 'bench-stop', image, pullPolicy: 'never' }).catch(async () => {
      await daemon.client.rebuild('bench-stop');
      return daemon.workspace('bench-stop');
    });
    const deadline = Date.parse(view.deadline ?? (await daemon.workspace('bench-stop')).deadline ?? '');
    const seen = daemon.events.length;
    await daemon.waitForEvent((event) => daemon.events.indexOf(event) >= seen && event.type === 'auto-stopped' && event.workspace === 'bench-stop', 30_000);
    samples.push(Date.now() - deadline);
    await daemon.client.deleteWorkspace('bench-stop');
  }
  writeFileSync(join(daemon.stateDir, 'policy.json'), JSON.stringify({ autoOff: { default: '1h' } }));
  console.log(`\n## Auto-off: deadline to container stopped and removed`);
  console.log(`  median ${median(samples).toFixed(0)} ms   runs: ${samples.map((ms) => ms.toFixed(0)).join(' ')}`);
  addSummary({
    what: 'Auto-off: deadline to stopped',
    drydock: `${median(samples).toFixed(0)} ms`,
    peer: '-',
    target: '< 1000 ms',
    met: median(samples) < 1000,
  });
}

/** From a scheduled time to its build starting (cron has minute resolution: one sample). */
async function startLatency(daemon: TestDaemon): Promise<void> {
  if (60 - new Date().getUTCSeconds() < 5) await sleep(6000);
  const at = new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000);
  await daemon.client.stop('bench-cli');
  const seen = daemon.events.length;
  await daemon.client.setSchedule('bench-cli', { cron: `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`, timeZone: 'UTC' });
  const fresh = (event: DaemonEvent): boolean => daemon.events.indexOf(event) >= seen;
  const building = await daemon.waitForEvent(
    (event: DaemonEvent) => fresh(event) && event.type === 'workspace' && event.workspace.name === 'bench-cli' && event.workspace.state === 'building',
    90_000,
  );
  const startedAt = building.type === 'workspace' ? Date.parse(building.workspace.lastBuild?.startedAt ?? '') : NaN;
  const latency = startedAt - at.getTime();
  console.log(`\n## Auto-start: scheduled time to build started`);
  console.log(`  ${latency.toFixed(0)} ms (one sample; cron has minute resolution)`);
  addSummary({ what: 'Auto-start: schedule to build started', drydock: `${latency.toFixed(0)} ms`, peer: '-', target: '< 1000 ms', met: latency < 1000 });
  await daemon.waitForEvent((event) => fresh(event) && event.type === 'auto-start' && event.workspace === 'bench-cli', 90_000);
}

/** The backend's footprint: resident memory empty and with 1,000 workspaces, and the answer to GET /v1/workspaces for 1,000. */
export async function benchFootprint(image: string, rounds: number): Promise<void> {
  const stateDir = newStateDir();
  writeFileSync(join(stateDir, 'policy.json'), JSON.stringify({ autoOff: { default: '1h' } }));
  const daemon = await startDaemon(stateDir);
  const pid = daemon.process.pid ?? 0;
  try {
    await sleep(5000);
    const empty = rssMb(pid);
    console.log(`\n## Backend footprint\n  idle RSS, no workspaces: ${empty.toFixed(1)} MB (target <= 55 MB)`);
    addSummary({ what: 'Idle backend RSS, empty', drydock: `${empty.toFixed(1)} MB`, peer: '-', target: '<= 55 MB', met: empty <= 55 });
    for (let index = 0; index < 1000; index++) {
      const name = `bench-k-${index}`;
      await daemon.client.createWorkspace({ name, image, pullPolicy: 'never' }, { build: false });
      await daemon.client.setSchedule(name, { weekdays: '09:00', timeZone: 'Europe/Berlin' });
    }
    const runs: number[] = [];
    for (let round = 0; round < rounds * 3; round++) runs.push(await time(() => daemon.client.listWorkspaces()));
    const listMs = median(runs);
    console.log(`  GET /v1/workspaces with 1,000: median ${listMs.toFixed(1)} ms (target < 20 ms)`);
    addSummary({ what: 'GET /v1/workspaces, 1,000 workspaces', drydock: `${listMs.toFixed(1)} ms`, peer: '-', target: '< 20 ms', met: listMs < 20 });
    await sleep(10_000);
    const full = rssMb(pid);
    console.log(`  idle RSS, 1,000 workspaces on schedules: ${full.toFixed(1)} MB (target <= 65 MB)`);
    addSummary({ what: 'Idle backend RSS, 1,000 workspaces', drydock: `${full.toFixed(1)} MB`, peer: '-', target: '<= 65 MB', met: full <= 65 });
  } finally {
    await daemon.stop();
    removeStateDir(stateDir);
    // Each created workspace has its home volume: remove the thousand in one call.
    const homes = docker(['volume', 'ls', '-q', '--filter', 'name=^drydock-bench-k-']);
    if (homes) docker(['volume', 'rm', '-f', ...homes.split('\n')]);
  }
}
