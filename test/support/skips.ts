import type { TestContext } from 'node:test';

/**
 * CI as people mean it: set to something other than empty, "false", "0" or
 * "no". test/run.mjs uses the same rule (`isCI` in test/support/skipGate.mjs,
 * an ES module this compiled file cannot import); test/unit/skips.test.ts
 * checks that both agree.
 */
export function ciFlag(value: string | undefined): boolean {
  const flag = (value ?? '').trim().toLowerCase();
  return flag !== '' && flag !== 'false' && flag !== '0' && flag !== 'no';
}

export const inCI = ciFlag(process.env.CI);

/**
 * A test that cannot run here: skipped loudly outside CI, failed under CI,
 * where .ci/run must have provided what is missing. Never a silent pass.
 */
export function skipUnlessCI(t: TestContext, reason: string): void {
  if (inCI) throw new Error(`cannot run under CI: ${reason}; .ci/run must provide it`);
  console.error(`\n!!! SKIPPING "${t.name}": ${reason}\n`);
  t.skip(reason);
}

/** The same for a test's or suite's `skip` option: the reason outside CI, false under CI (the test then fails on what is missing). */
export function skipOutsideCI(reason: string | undefined): string | false {
  if (reason === undefined || inCI) return false;
  console.error(`\n!!! SKIPPING: ${reason}\n`);
  return reason;
}
