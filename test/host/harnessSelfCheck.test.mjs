// Proves the extension-host harness (src/devhost/codeServer.mjs runExtensionTests
// and test/extension/index.ts) can fail: a harness that always answers 0 would
// pass every host suite whatever the extension does. Each run's output is
// printed, so the log shows the harness reporting the failures it should.
//   - the smoke extension (test/host/smoke) passes: exit 0;
//   - the same with --break (one assertion fails): exit 1;
//   - the extension suite's entry point with no test files, or with files
//     holding no test that ran: exit 1 (a run that tested nothing is no pass);
//   - a missing or non-numeric exit report from the workbench: code 1.
// Runs code-server + Chromium one at a time (test/host/suites.mjs chains
// the host files).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exitReport, hostAvailable, runExtensionTests } from '../../src/devhost/codeServer.mjs';
import { skipUnlessCI } from '../../out/test/support/skips.js';
import { ROOT } from './hostSupport.mjs';

const SMOKE = join(ROOT, 'test/host/smoke');

function show(title, output) {
  console.log(`----- ${title} -----\n${output.trimEnd()}\n----- end of ${title} -----`);
}

function smoke(args) {
  const run = spawnSync(process.execPath, [join(ROOT, 'test/host/smoke.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  show(`node test/host/smoke.mjs ${args.join(' ')} (exit ${run.status ?? run.signal})`, output);
  return { code: run.status, output };
}

/** test/extension/index.ts in the host with the smoke extension, its test files taken from `dir`. */
async function extensionIndexWith(dir) {
  const lines = [];
  const code = await runExtensionTests({
    extensionDevelopmentPath: SMOKE,
    extensionTestsPath: join(ROOT, 'out/test/extension/index.js'),
    env: { DRYDOCK_EXTENSION_TESTS_DIR: dir },
    timeoutMs: 180_000,
    log: (type, text) => lines.push(`[${type}] ${text}`),
  });
  show(`out/test/extension/index.js with test files from ${dir} (exit ${code})`, lines.join('\n'));
  return { code, output: lines.join('\n') };
}

test('a missing or non-numeric exit report counts as a failure, an integer as itself', () => {
  assert.deepEqual(exitReport(0), { code: 0, how: 'reported' });
  assert.deepEqual(exitReport(1), { code: 1, how: 'reported' });
  for (const bad of [undefined, null, 'x', '0', Number.NaN, 0.5, {}]) {
    const result = exitReport(bad);
    assert.equal(result.code, 1, `${String(bad)} is a failure`);
    assert.match(result.how, /non-numeric exit code .*counted as a failure/);
  }
});

test('the host harness passes a passing extension and fails a broken one, an empty run and a run of no tests', { timeout: 15 * 60_000 }, async (t) => {
  const reason = hostAvailable();
  if (reason) return skipUnlessCI(t, reason);

  const passing = smoke([]);
  assert.equal(passing.code, 0, 'the smoke extension passes');
  assert.match(passing.output, /smoke: all assertions passed/);

  const broken = smoke(['--break']);
  assert.equal(broken.code, 1, 'the smoke extension with --break fails');
  assert.match(broken.output, /expected it to start with "hello broken"/);

  const empty = mkdtempSync(join(tmpdir(), 'drydock-no-tests-'));
  try {
    const none = await extensionIndexWith(empty);
    assert.equal(none.code, 1, 'no test files is a failure');
    assert.match(none.output, /no extension test files/);

    writeFileSync(
      join(empty, 'skipped.test.js'),
      "describe('nothing that runs', () => { it.skip('skipped on purpose: this fixture proves that a run of zero tests fails', () => {}); });\n",
    );
    const skipped = await extensionIndexWith(empty);
    assert.equal(skipped.code, 1, 'a file whose tests did not run is a failure');
    assert.match(skipped.output, /mocha ran 0 tests/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
