import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const collector = join(__dirname, '../../src/backend/daemon/idleCollector.js');

/**
 * A process of its own started as the backend is (`--expose-gc`): a burst
 * leaves one object in ten alive, scattered over old space; then one
 * collection, the idle collector's or a plain `gc()`, and time for V8's
 * sweeper to give back what it can. Answers old space's pages in MB.
 */
function oldSpaceAfterBurst(collect: 'idle' | 'plain'): number {
  const script = `
const { getHeapSpaceStatistics } = require('node:v8');
const { IdleCollector } = require(${JSON.stringify(collector)});
const kept = [];
let all = [];
for (let i = 0; i < 300000; i++) { const item = { i, text: 'x' + i, list: [i] }; all.push(item); if (i % 10 === 0) kept.push(item); }
all = undefined;
const idle = ${collect === 'idle' ? 'new IdleCollector(50)' : '(gc(), undefined)'};
setTimeout(() => {
  idle?.dispose();
  if (kept.length !== 30000) throw new Error('lost objects');
  process.stdout.write(String(getHeapSpaceStatistics().find((space) => space.space_name === 'old_space').physical_space_size / 1048576));
}, 500);
`;
  return Number(execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', '-e', script], { encoding: 'utf8' }));
}

void describe('IdleCollector', () => {
  void it('compacts once quiet: pages a plain collection keeps for scattered live objects go back', () => {
    const plain = oldSpaceAfterBurst('plain');
    const idle = oldSpaceAfterBurst('idle');
    assert.ok(plain > 20, `the burst should leave a fragmented old space after a plain collection (${plain.toFixed(1)} MB)`);
    assert.ok(idle < plain / 2, `old space ${plain.toFixed(1)} MB after a plain collection, ${idle.toFixed(1)} MB after the idle one`);
  });
});
