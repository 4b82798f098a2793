import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueForUpdateCheck, UPDATE_CHECK_EVERY_MS } from '../../src/backend/workspaces/updateChecks';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const DIGEST = `sha256:${'a'.repeat(64)}`;
const checkedAgo = (ms: number) => ({ reference: 'r:1', checkedAt: new Date(NOW - ms).toISOString() });

void describe('background update checks', () => {
  void it('checks a registry image at most daily, and one never checked at once', () => {
    const due = dueForUpdateCheck(
      [
        { name: 'never', state: 'running', image: { id: 'i', digest: DIGEST } },
        { name: 'fresh', state: 'running', image: { id: 'i', digest: DIGEST }, updateCheck: checkedAgo(UPDATE_CHECK_EVERY_MS - 60_000) },
        { name: 'stale', state: 'off', image: { id: 'i', digest: DIGEST }, updateCheck: checkedAgo(UPDATE_CHECK_EVERY_MS) },
      ],
      NOW,
    );
    assert.deepEqual(due, ['never', 'stale']);
  });

  void it('leaves out local images (no digest), workspaces never built, and builds in progress', () => {
    const due = dueForUpdateCheck(
      [
        { name: 'local', state: 'running', image: { id: 'i' } },
        { name: 'unbuilt', state: 'off' },
        { name: 'building', state: 'building', image: { id: 'i', digest: DIGEST } },
      ],
      NOW,
    );
    assert.deepEqual(due, []);
  });
});
