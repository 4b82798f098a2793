import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { containerName } from '../../src/core/names';
import type { FileWatchEvent } from '../../src/api/fileViews';
import { docker, dockerExec, removeWorkspaceObjects } from '../support/docker';
import { createRunning, newStateDir, removeStateDir, startDaemon } from '../support/daemonProcess';
import { buildTestImage, removeImage } from '../support/testImage';
import { addSummary, median, report, sideBySide, summarize, type Sample } from './measure';

const HOME = '/home/dev';
const INOTIFY_IMAGE = 'drydock-test/bench-inotify:1';
const MB = 1024 * 1024;

/** The backend's resident memory, from /proc (bytes). */
function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

/** Runs `work` while sampling the backend's RSS every 10 ms; answers the peak rise over the level before. */
async function rssRise(pid: number, work: () => Promise<unknown>): Promise<number> {
  const before = rss(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 10);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, rss(pid)) - before;
}

/**
 * Workspace files: what the extension's file system provider calls (the
 * typed client over the backend's socket; VS Code's own IPC is not in it)
 * against the docker CLI doing the same, paired in one run; the backend's
 * memory while 100 MB go through it each way; and the polling watch's delay
 * and cost.
 */
export async function benchFiles(image: string, rounds: number): Promise<void> {
  const stateDir = newStateDir();
  const daemon = await startDaemon(stateDir);
  const name = 'bench-files';
  const inotifyName = 'bench-files-inotify';
  const container = containerName(name);
  const scratch = mkdtempSync(join(tmpdir(), 'dd-bench-files-'));
  const client = daemon.client;
  try {
    await createRunning(daemon, { name, image, user: 'dev', pullPolicy: 'never' });
    const oneMb = randomBytes(MB);
    const hostFile = join(scratch, 'one.bin');
    writeFileSync(hostFile, oneMb);
    await client.writeFile(name, `${HOME}/one.bin`, oneMb);
    dockerExec(container, `mkdir ${HOME}/many && cd ${HOME}/many && i=0; while [ $i -lt 1000 ]; do : > "file-$i"; i=$((i+1)); done`);
    const readAll = async (path: string): Promise<number> => {
      let size = 0;
      for await (const chunk of await client.readFile(name, path)) size += (chunk as Buffer).length;
      return size;
    };

    const reportAndSummarize = (title: string, what: string, samples: Sample[]): void => {
      report(title, samples, { max: 1.0, goal: 0.5 });
      summarize(what, samples, { max: 1.0, goal: 0.5 });
    };
    reportAndSummarize(
      'stat + read a 1 MB file: provider path vs docker exec cat',
      'files: stat + read 1 MB',
      await sideBySide(rounds, [
        {
          label: 'statFile + readFile (backend)',
          run: async () => {
            await client.statFile(name, `${HOME}/one.bin`);
            await readAll(`${HOME}/one.bin`);
          },
        },
        { label: 'docker exec cat', run: () => execFileSync('docker', ['exec', container, 'cat', `${HOME}/one.bin`], { maxBuffer: 4 * MB }) },
      ]),
    );
    reportAndSummarize(
      'save a 1 MB file: provider path vs docker cp',
      'files: save 1 MB',
      await sideBySide(rounds, [
        { label: 'writeFile (backend)', run: () => client.writeFile(name, `${HOME}/saved.bin`, oneMb) },
        { label: 'docker cp', run: () => docker(['cp', hostFile, `${container}:${HOME}/copied.bin`]) },
      ]),
    );
    reportAndSummarize(
      'list a 1,000-entry folder: provider path vs docker exec ls -la',
      'files: list 1,000 entries',
      await sideBySide(rounds, [
        { label: 'listDirectory (backend)', run: () => client.listDirectory(name, `${HOME}/many`) },
        { label: 'docker exec ls -la', run: () => docker(['exec', container, 'ls', '-la', `${HOME}/many`]) },
      ]),
    );

    // 100 MB each way through the backend, sampled: the content streams, it is never held whole.
    const pid = daemon.process.pid ?? 0;
    const hundred = 100 * MB;
    const chunk = randomBytes(MB);
    const writeRise = await rssRise(pid, () =>
      client.writeFile(
        name,
        `${HOME}/hundred.bin`,
        Readable.from(
          (function* () {
            for (let index = 0; index < 100; index++) yield chunk;
          })(),
        ),
      ),
    );
    let readBytes = 0;
    const readRise = await rssRise(pid, async () => (readBytes = await readAll(`${HOME}/hundred.bin`)));
    if (readBytes !== hundred) throw new Error(`read ${readBytes} bytes of ${hundred}`);
    console.log('\n## Backend memory while 100 MB stream through it (target: RSS rises by < 20 MB)');
    for (const [label, rise] of [
      ['write 100 MB', writeRise],
      ['read 100 MB', readRise],
    ] as const) {
      console.log(`  ${label.padEnd(44)} RSS rise ${(rise / MB).toFixed(1).padStart(6)} MB   ${rise < 20 * MB ? 'meets the target' : 'MISSES the target'}`);
      addSummary({ what: `files: backend RSS rise, ${label}`, drydock: `${(rise / MB).toFixed(1)} MB`, peer: '-', target: '< 20 MB', met: rise < 20 * MB });
    }
    dockerExec(container, `rm -f ${HOME}/hundred.bin`);

    await watchCost(client, name, container, rounds, 'polling');
    // The same with inotifywait in the image.
    buildTestImage(INOTIFY_IMAGE, { inotifywait: true });
    await createRunning(daemon, { name: inotifyName, image: INOTIFY_IMAGE, user: 'dev', pullPolicy: 'never' });
    await watchCost(client, inotifyName, containerName(inotifyName), rounds, 'inotify');
  } finally {
    await daemon.stop();
    removeWorkspaceObjects(name);
    removeWorkspaceObjects(inotifyName);
    removeImage(INOTIFY_IMAGE);
    removeStateDir(stateDir);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A watch: how long a file made in the workspace takes to be reported; polling: what one listing of home costs in the workspace. */
async function watchCost(
  client: Awaited<ReturnType<typeof startDaemon>>['client'],
  name: string,
  container: string,
  rounds: number,
  mechanism: 'polling' | 'inotify',
): Promise<void> {
  const abort = new AbortController();
  let waiting: { path: string; resolve: () => void } | undefined;
  let said: string | undefined;
  const onEvent = (event: FileWatchEvent): void => {
    if (event.type === 'watching') said = event.mechanism;
    if (event.type === 'changes' && waiting && event.changes.some((change) => change.type === 'created' && change.path === waiting?.path)) waiting.resolve();
  };
  const following = client.watchFiles(name, HOME, true, onEvent, abort.signal).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const delays: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const path = `${HOME}/watched-${round}`;
    const seen = new Promise<void>((resolve) => (waiting = { path, resolve }));
    const started = Date.now();
    dockerExec(container, `: > ${path}`);
    await seen;
    delays.push(Date.now() - started);
  }
  abort.abort();
  await following;
  if (said !== mechanism) throw new Error(`the watch of ${name} said it watches by ${said ?? 'nothing'}, not ${mechanism}`);
  console.log(`\n## Watch (${mechanism}${mechanism === 'polling' ? ', 1 s interval' : ''}; target: a change shows within 2 s)`);
  console.log(
    `  created file -> event                          median ${median(delays).toFixed(0).padStart(8)} ms   runs: ${delays.join(' ')}   ${median(delays) <= 2000 ? 'meets the target' : 'MISSES the target'}`,
  );
  addSummary({
    what: `files: watch (${mechanism}), change -> event`,
    drydock: `${median(delays).toFixed(0)} ms`,
    peer: '-',
    target: '<= 2000 ms',
    met: median(delays) <= 2000,
  });
  if (mechanism === 'inotify') {
    console.log('  cost: one inotifywait per watch, idle until something changes (one inotify watch per folder)');
    return;
  }
  const entries = Number(dockerExec(container, `find ${HOME} | wc -l`));
  const listing = await sideBySide(rounds, [
    {
      label: `one poll listing (${entries} entries)`,
      run: () =>
        docker([
          'exec',
          '-u',
          'dev',
          container,
          'sh',
          '-c',
          `find ${HOME} \\( -name .git -o -name node_modules \\) -prune -o -exec stat -c '%y|%s|%f|%n' {} + | wc -l`,
        ]),
    },
    { label: 'docker exec true (the exec alone)', run: () => docker(['exec', container, 'true']) },
  ]);
  const listingMs = median(listing[0].runsMs) - median(listing[1].runsMs);
  console.log(`  cost: one listing of ${entries} entries takes about ${Math.max(listingMs, 0).toFixed(0)} ms in the workspace, once a second per watch`);
}
