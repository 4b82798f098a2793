import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkspaceView } from '../../src/api/views';
import { viewValidUntil } from '../../src/backend/api/wireViews';

const now = Date.parse('2026-11-29T10:00:00Z');
const base: WorkspaceView = {
  name: 'api',
  engine: 'local',
  state: 'running',
  image: 'img',
  env: [],
  homeVolume: 'drydock-api-home',
  createdAt: '2026-11-01T00:00:00Z',
};

void describe('how long a cached workspace view holds', () => {
  void it('until the first time in it comes: the deadline, a lease ending, the next scheduled run, a forced rebuild; at most 10 s', () => {
    assert.equal(viewValidUntil(base, [], now), now + 10_000, 'nothing timed: the safety net');
    assert.equal(viewValidUntil({ ...base, deadline: new Date(now + 4000).toISOString() }, [], now), now + 4000);
    assert.equal(viewValidUntil(base, [{ expiresAt: now + 3000 }, { expiresAt: now + 9000 }], now), now + 3000, 'a lease ending changes the view');
    const nextRun = new Date(now + 2000).toISOString();
    assert.equal(
      viewValidUntil({ ...base, schedule: { expression: '0 9 * * 1-5', timeZone: 'UTC', description: 'weekdays at 09:00', nextRun } }, [], now),
      now + 2000,
    );
    assert.equal(viewValidUntil({ ...base, forcedRebuild: { at: new Date(now + 1000).toISOString(), reason: 'cve' } }, [], now), now + 1000);
    assert.equal(viewValidUntil({ ...base, deadline: new Date(now + 60_000).toISOString() }, [], now), now + 10_000);
  });
});
