import { test } from 'node:test';

/** Makes each suite test/run.mjs could not run show up in the summary as skipped, with its reason. */
const skipped = JSON.parse(process.env.DRYDOCK_SKIPPED_SUITES ?? '[]') as { suite: string; reason: string }[];
for (const { suite, reason } of skipped) {
  void test(`suite: ${suite}`, { skip: reason }, () => {});
}
