import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { connect, removeObjectsNamed } from '../support/docker';
import { buildTestImage, removeImage } from '../support/testImage';
import { benchBackend, benchFootprint } from './backend.bench';
import { benchFiles } from './files.bench';
import { benchHooks } from './hooks.bench';
import { benchInside } from './inside.bench';
import { printSummary } from './measure';
import { benchPullAhead } from './pullAhead.bench';
import { benchRebuild } from './rebuild.bench';
import { benchRegistry } from './registry.bench';
import { benchRemoteRebuild } from './remote.bench';

/**
 * `npm run bench`: every benchmark, against the real Docker engine; figures
 * go to stdout, with one summary table at the end. BENCH_ROUNDS sets the
 * rounds; DRYDOCK_BENCH_DIST runs another build's bundles (before/after).
 */
async function main(): Promise<void> {
  // `npm run bench -- registry`: only the benchmarks named.
  const only = process.argv.slice(2);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
  const adapter = await connect();
  const image = 'drydock-test/bench:1';
  // What a killed run left (its workspaces have fixed names, so the next run's backend would refuse them as another's).
  removeObjectsNamed('drydock-bench-');
  buildTestImage(image);
  console.log(`# Drydock benchmarks (${rounds} rounds each, medians; Docker at ${adapter.endpointDescription})`);
  const wanted = (name: string): boolean => only.length === 0 || only.includes(name);
  try {
    if (wanted('rebuild')) await benchRebuild(adapter, image, rounds);
    if (wanted('remote')) await benchRemoteRebuild(image, rounds);
    if (wanted('registry')) await benchRegistry(adapter, rounds);
    if (wanted('pull-ahead')) await benchPullAhead(rounds);
    if (wanted('hooks')) await benchHooks(adapter, image, rounds);
    if (wanted('footprint')) await benchFootprint(image, rounds);
    if (wanted('backend')) await benchBackend(image, rounds);
    if (wanted('inside')) await benchInside(image, rounds);
    if (wanted('files')) await benchFiles(image, rounds);
    printSummary();
    // The extension's figures come from the VS Code host harness (plain ESM, run as its own process).
    if (wanted('extension')) spawnSync(process.execPath, [join(__dirname, '../../../test/host/extensionBench.mjs')], { stdio: 'inherit' });
  } finally {
    removeImage(image);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
