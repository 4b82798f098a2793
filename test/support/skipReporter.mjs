// A node:test reporter (`--test-reporter=test/support/skipReporter.mjs`) that
// writes, when the run ends, a JSON array of the tests that did not prove
// anything: skipped (`t.skip()`, a `skip` option, a skipped suite) or todo.
// Tests left out by --test-name-pattern or --test-only are not listed: the
// person running them chose that. test/support/skipGate.mjs reads the file.

/** Skip reasons node:test gives the tests a filter left out (Node 20). */
const FILTERED = new Set(['test name does not match pattern', "'only' option not set"]);

export default async function* skipReporter(source) {
  const notProven = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, file, skip, todo } = event.data;
    if (skip !== undefined && skip !== false && !FILTERED.has(skip)) {
      notProven.push({ kind: 'skipped', name, file, reason: typeof skip === 'string' ? skip : '' });
    } else if (todo !== undefined && todo !== false) {
      notProven.push({ kind: 'todo', name, file, reason: typeof todo === 'string' ? todo : '' });
    }
  }
  yield `${JSON.stringify(notProven)}\n`;
}
