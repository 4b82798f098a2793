/**
 * What counts as CI, and the gate test/run.mjs runs node:test through: a
 * skipped or todo test fails the run under CI whatever its code does, and is
 * listed loudly outside CI. The gate runs here on small test files of its own,
 * as test/run.mjs runs the suites.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ciFlag } from '../support/skips';

const GATE = join(__dirname, '../../../test/support/skipGate.mjs');
const SKIPS = join(__dirname, '../support/skips.js');

const NOT_CI = [undefined, '', ' ', 'false', 'FALSE', 'False', '0', 'no', 'No', ' no '];
const CI = ['true', 'TRUE', '1', 'yes', 'github-actions', 'woodpecker'];

/** The environment of this process without what ties a child to this test run. */
function cleanEnv(ci: string | undefined): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.CI;
  if (ci !== undefined) env.CI = ci;
  return env;
}

void describe('CI as people mean it', () => {
  void it('is not set when CI is unset, empty, "false", "0" or "no" (any case, spaces around)', () => {
    for (const value of NOT_CI) assert.equal(ciFlag(value), false, `CI=${JSON.stringify(value)}`);
  });

  void it('is set for any other value', () => {
    for (const value of CI) assert.equal(ciFlag(value), true, `CI=${JSON.stringify(value)}`);
  });

  void it('test/run.mjs (skipGate.mjs) reads CI the same way', () => {
    const values = [...NOT_CI, ...CI];
    const script = `import { isCI } from ${JSON.stringify(GATE)}; console.log(JSON.stringify(${JSON.stringify(values)}.map((v) => isCI(v ?? undefined))));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: cleanEnv(undefined) });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      JSON.parse(run.stdout),
      values.map((value) => ciFlag(value)),
    );
  });
});

void describe('the skip gate test/run.mjs runs node:test through', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dd-gate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const fixture = (name: string, body: string): string => {
    const file = join(dir, name);
    writeFileSync(file, `const { test, describe, it } = require('node:test');\n${body}\n`);
    return file;
  };
  const skipsInside = fixture('skipsInside.test.js', "test('runs', () => {});\ntest('gives up', (t) => { t.skip('no widget here'); });");
  const skipOption = fixture('skipOption.test.js', "describe('a suite', { skip: 'needs a widget' }, () => { it('inside', () => {}); });");
  const todo = fixture('todo.test.js', "test('later', { todo: 'not written yet' }, () => {});");
  const allRun = fixture('allRun.test.js', "test('runs', () => {});\ntest('runs too', () => {});");
  const fails = fixture('fails.test.js', "test('breaks', () => { throw new Error('broken'); });");
  const viaHelper = fixture(
    'viaHelper.test.js',
    `const { skipUnlessCI } = require(${JSON.stringify(SKIPS)});\ntest('needs a widget', (t) => { skipUnlessCI(t, 'no widget here'); });`,
  );

  /** The gate as test/run.mjs calls it, on `args`, with CI set to `ci`. */
  const gate = (args: string[], ci: string | undefined): { status: number | null; stdout: string; stderr: string } => {
    const script = `import { runNodeTest } from ${JSON.stringify(GATE)}; process.exit(runNodeTest(${JSON.stringify(args)}));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: cleanEnv(ci), timeout: 60_000 });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  };

  void it('fails the run under CI when a test skips itself, naming it and why', () => {
    const run = gate([skipsInside], 'true');
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /!!! 1 test\(s\) did not run to a result:\n {2}- skipped: "gives up" \(.*skipsInside\.test\.js\): no widget here/);
    assert.match(run.stderr, /CI=true: every test must run under CI/);
    // The usual report still goes to stdout, where node:test counts the skip as a pass.
    assert.match(run.stdout, /# skipped 1/);
    assert.match(run.stdout, /# fail 0/);
  });

  void it('fails it under CI for a skip option, a skipped suite and a todo too', () => {
    for (const [file, listed] of [
      [skipOption, /- skipped: "a suite" .*: needs a widget/],
      [todo, /- todo: "later" .*: not written yet/],
    ] as const) {
      const run = gate([file], 'yes');
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stderr, listed);
    }
  });

  void it('lists the skip loudly outside CI (CI=false, unset) and keeps the exit code', () => {
    for (const ci of ['false', undefined]) {
      const run = gate([skipsInside], ci);
      assert.equal(run.status, 0, `CI=${String(ci)}: ${run.stderr}`);
      assert.match(run.stderr, /!!! 1 test\(s\) did not run to a result:\n {2}- skipped: "gives up"/);
      assert.doesNotMatch(run.stderr, /every test must run under CI/);
    }
  });

  void it('fails under CI a test skipped through skipUnlessCI, and skips it loudly outside CI', () => {
    const inCI = gate([viaHelper], 'true');
    assert.equal(inCI.status, 1, inCI.stdout + inCI.stderr);
    assert.match(inCI.stdout, /cannot run under CI: no widget here/);
    const outside = gate([viaHelper], 'false');
    assert.equal(outside.status, 0, outside.stdout + outside.stderr);
    assert.match(outside.stderr, /- skipped: "needs a widget" .*: no widget here/);
  });

  void it('passes under CI when every test ran, and when a name pattern leaves tests out', () => {
    assert.equal(gate([allRun], 'true').status, 0);
    const filtered = gate(['--test-name-pattern', '^runs$', skipsInside], 'true');
    assert.equal(filtered.status, 0, filtered.stdout + filtered.stderr);
    assert.doesNotMatch(filtered.stderr, /did not run to a result/);
  });

  void it("passes node's failure through, with or without CI", () => {
    assert.equal(gate([fails], 'true').status, 1);
    assert.equal(gate([fails], undefined).status, 1);
  });
});
