// How test/run.mjs runs node:test: a skipped (or todo) test fails the run
// under CI, whatever the test code does, and is listed loudly everywhere.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPORTER = fileURLToPath(new URL('./skipReporter.mjs', import.meta.url));

/**
 * CI as people mean it: set to something other than empty, "false", "0" or
 * "no". The same rule as `ciFlag` in test/support/skips.ts (compiled TS cannot
 * import this ES module); test/unit/skips.test.ts checks that both agree.
 */
export function isCI(value) {
  const flag = (value ?? '').trim().toLowerCase();
  return flag !== '' && flag !== 'false' && flag !== '0' && flag !== 'no';
}

/**
 * `node --test ARGS...` with the usual reporter on stdout (spec on a
 * terminal, tap otherwise; or the ones ARGS name, each with its
 * --test-reporter-destination) plus skipReporter.mjs to a file. Returns the
 * exit status: node's, or 1 under CI when any test was skipped or todo.
 */
export function runNodeTest(args, env = process.env) {
  const ci = isCI(env.CI);
  const dir = mkdtempSync(join(tmpdir(), 'dd-skips-'));
  const report = join(dir, 'not-proven.json');
  const ownReporters = args.some((arg) => arg === '--test-reporter' || arg.startsWith('--test-reporter='));
  const reporters = ownReporters ? [] : [`--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`, '--test-reporter-destination=stdout'];
  reporters.push(`--test-reporter=${REPORTER}`, `--test-reporter-destination=${report}`);
  // A run started from inside a node:test file must not report to that file's runner.
  const childEnv = { ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  const result = spawnSync(process.execPath, ['--test', ...reporters, ...args], { stdio: 'inherit', env: childEnv });
  let notProven;
  try {
    notProven = JSON.parse(readFileSync(report, 'utf8'));
  } catch (error) {
    notProven = undefined;
    console.error(`\n!!! No skip report from the test run (${error.message}): cannot tell whether tests were skipped.\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  let status = result.status ?? 1;
  if (notProven?.length > 0) {
    const where = (file) => (relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file));
    const lines = notProven.map(({ kind, name, file, reason }) => `  - ${kind}: "${name}"${file ? ` (${where(file)})` : ''}${reason ? `: ${reason}` : ''}`);
    console.error(`\n!!! ${notProven.length} test(s) did not run to a result:\n${lines.join('\n')}\n`);
  }
  if (ci && (notProven === undefined || notProven.length > 0)) {
    console.error(`!!! CI=${env.CI}: every test must run under CI (.ci/run must provide what a skipped test needs); failing the run.\n`);
    status = 1;
  }
  return status;
}
