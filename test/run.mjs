// `npm test`: runs every suite this machine can run in one node:test run, so
// one summary counts them all. A suite whose prerequisite is missing is
// reported as skipped with its reason (and fails under CI, where .ci/run
// must have provided it): never passed silently. So does any test skipped
// inside the run, whatever its code does (test/support/skipGate.mjs).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { isCI, runNodeTest } from './support/skipGate.mjs';

const require = createRequire(import.meta.url);
const suites = ['out/test/unit'];
const skipped = [];

async function dockerReason() {
  try {
    const { connectDocker } = require('../out/src/docker/connect.js');
    await connectDocker();
    return undefined;
  } catch (error) {
    return `no Docker engine answers: ${error.message.split('\n').join(' ')}`;
  }
}

const noDocker = await dockerReason();
if (noDocker) skipped.push({ suite: 'integration (real Docker engine)', reason: noDocker });
else suites.push('out/test/integration');

// The extension in a real VS Code host: code-server and Chromium, installed on
// first use into a cache outside the repo (src/devhost/installHost.mjs).
// test/host/suites.mjs chains the host suites in one file, so they run one at
// a time: the harness self-check (test/host/harnessSelfCheck.test.mjs: the
// harness fails when it should), the extension host, the UI.
const hostSuites = ['test/host/suites.mjs'];
if (noDocker) {
  skipped.push({ suite: 'VS Code host (extension host and UI)', reason: `they need the Docker engine: ${noDocker}` });
} else {
  const install = spawnSync(process.execPath, ['src/devhost/installHost.mjs'], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  process.stderr.write(install.stderr ?? '');
  if (install.status === 0) suites.push(...hostSuites);
  else
    skipped.push({
      suite: 'VS Code host (extension host and UI)',
      reason: (install.stderr ?? '').trim().split('\n').pop() || `installHost exited ${install.status}`,
    });
}

for (const { suite, reason } of skipped) {
  console.error(`\n!!! SKIPPING ${suite}: ${reason}\n`);
}
// CI parsed as test/support/skips.ts does: empty, "false", "0" and "no" are not CI.
if (skipped.length > 0 && isCI(process.env.CI)) {
  console.error(`CI=${process.env.CI}: every suite must run here; .ci/run should have installed what is missing.`);
  process.exit(1);
}
if (skipped.length > 0) suites.push('out/test/support/skippedSuites.js');

process.exit(runNodeTest([...suites, ...process.argv.slice(2)], { ...process.env, DRYDOCK_SKIPPED_SUITES: JSON.stringify(skipped) }));
