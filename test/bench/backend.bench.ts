import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonEvent } from '../../src/api/views';
import { docker, removeWorkspaceObjects } from '../support/docker';
import { createRunning, newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { median, report, sideBySide } from './measure';

const ROOT = join(__dirname, '../../..');
const WORKSPACES = 200;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The backend with many workspaces: `drydock ls --json` against `docker ps`,
 * a rebuild through the CLI against the raw sequence, the daemon's idle CPU
 * and memory with 200 scheduled workspaces, and the latency of auto-off stops
 * and scheduled starts.
 */
export async function benchBackend(image: string, rounds: number): Promise<void> {
  const stateDir = newStateDir();
  writeFileSync(join(stateDir, 'policy.json'), JSON.stringify({ autoOff: { default: '1h' } }));
  const env = { ...process.env, DRYDOCK_STATE_DIR: stateDir };
  const cli = (...args: string[]): string => execFileSync(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { env, encoding: 'utf8' });
  const daemon = await startDaemon(stateDir);
  const names = Array.from({ length: WORKSPACES }, (_, index) => `bench-ws-${index}`);
  try {
    const created = Date.now();
    for (const name of names) await daemon.client.createWorkspace({ name, image, pullPolicy: 'never' }, { build: false });
    for (const name of names) await daemon.client.setSchedule(name, { weekdays: '09:00', timeZone: 'Europe/Berlin' });
    console.log(`\n(created ${WORKSPACES} workspaces with weekday schedules in ${Date.now() - created} ms)`);
    await createRunning(daemon, { name: 'bench-cli', image, pullPolicy: 'never' });

    report(
      `List ${WORKSPACES + 1} workspaces: drydock ls --json vs docker ps --filter label`,
      await sideBySide(rounds, [
        { label: 'drydock ls --json', run: () => cli('ls', '--json') },
        {
          label: 'docker ps -a --filter label=dev.drydock.managed',
          run: () => docker(['ps', '-a', '--filter', 'label=dev.drydock.managed=true', '--format', '{{json .}}']),
        },
      ]),
      { max: 1.0 },
    );
    // Node itself takes ~130 ms to start on these machines, so also compare the backend's answer alone.
    report(
      `List ${WORKSPACES + 1} workspaces: the backend's answer (GET /v1/workspaces) vs docker ps`,
      await sideBySide(rounds, [
        { label: 'GET /v1/workspaces', run: () => daemon.client.listWorkspaces() },
        {
          label: 'docker ps -a --filter label=dev.drydock.managed',
          run: () => docker(['ps', '-a', '--filter', 'label=dev.drydock.managed=true', '--format', '{{json .}}']),
        },
      ]),
      { max: 1.0 },
    );

    const raw = 'drydock-bench-cli-raw';
    report(
      'Rebuild: drydock rebuild (CLI, following the log) vs raw docker CLI',
      await sideBySide(rounds, [
        { label: 'drydock rebuild bench-cli --yes', run: () => cli('rebuild', 'bench-cli', '--yes') },
        {
          label: 'raw docker CLI (rm -f; run -d --init; exec)',
          run: () => {
            docker(['rm', '-f', raw]);
            docker(['run', '-d', '--init', '--name', raw, '-u', '1000:1000', '-w', '/home/dev', '-v', `${raw}-home:/home/dev`, image, 'sleep', '86400']);
            docker(['exec', raw, 'true']);
          },
        },
      ]),
      { max: 1.0 },
    );
    docker(['rm', '-f', raw]);
    docker(['volume', 'rm', '-f', `${raw}-home`]);

    await idleCost(daemon);
    await stopLatency(daemon, image);
    await startLatency(daemon);
  } finally {
    await daemon.stop();
    for (const name of [...names, 'bench-cli', 'bench-stop']) removeWorkspaceObjects(name);
    removeStateDir(stateDir);
  }
}

/** CPU time and resident memory of the idle daemon over 10 s (from /proc). */
async function idleCost(daemon: TestDaemon): Promise<void> {
  const pid = daemon.process.pid ?? 0;
  const cpuTicks = (): number => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]);
  };
  const rssMb = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  await sleep(2000);
  const before = cpuTicks();
  const seconds = 10;
  await sleep(seconds * 1000);
  const cpuMs = ((cpuTicks() - before) * 1000) / 100;
  console.log(`\n## Idle backend with ${WORKSPACES + 1} workspaces on schedules`);
  console.log(`  CPU ${cpuMs.toFixed(0)} ms over ${seconds} s (${((cpuMs / (seconds * 1000)) * 100).toFixed(2)}% of a core); target: near zero`);
  const rss = rssMb();
  console.log(`  RSS ${rss.toFixed(1)} MB; target under 60 MB: ${rss < 60 ? 'meets it' : 'MISSES it'}`);
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
  console.log(
    `  median ${median(samples).toFixed(0)} ms   runs: ${samples.map((ms) => ms.toFixed(0)).join(' ')}   target: under 1000 ms: ${median(samples) < 1000 ? 'meets it' : 'MISSES it'}`,
  );
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
  console.log(`  ${latency.toFixed(0)} ms (one sample; cron has minute resolution)   target: under 1000 ms: ${latency < 1000 ? 'meets it' : 'MISSES it'}`);
  await daemon.waitForEvent((event) => fresh(event) && event.type === 'auto-start' && event.workspace === 'bench-cli', 90_000);
}
