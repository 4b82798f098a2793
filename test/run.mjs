// `npm test`: runs every suite this machine can run in one node:test run, so
// one summary counts them all. A suite whose prerequisite is missing is
// reported as skipped with its reason (and fails under CI, where .ci/run
// must have provided it): never passed silently.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

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
const hostSuites = ['test/host/extensionHost.test.mjs', 'test/host/ui.test.mjs'];
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
if (skipped.length > 0 && process.env.CI) {
  console.error('CI=true: every suite must run here; .ci/run should have installed what is missing.');
  process.exit(1);
}
if (skipped.length > 0) suites.push('out/test/support/skippedSuites.js');

const result = spawnSync(process.execPath, ['--test', ...suites, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, DRYDOCK_SKIPPED_SUITES: JSON.stringify(skipped) },
});
process.exit(result.status ?? 1);
