import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineSummary } from '../../src/core/engineSummary';

const GB = 1024 ** 3;

void describe('engine summary (tree node, create pick)', () => {
  void it('shows the workspaces and the memory their limits take of the engine’s', () => {
    assert.equal(engineSummary({ reachable: true, workspaces: 2, memoryCommittedBytes: 3.1 * GB, memoryBytes: 8 * GB }), '2 workspaces · 3.1 GB of 8 GB');
    assert.equal(
      engineSummary({ reachable: true, workspaces: 1, memoryCommittedBytes: 512 * 1024 ** 2, memoryBytes: 16 * GB }),
      '1 workspace · 512 MB of 16 GB',
    );
  });

  void it('says why an engine cannot be reached', () => {
    assert.equal(engineSummary({ reachable: false, error: 'connection refused', workspaces: 3, memoryCommittedBytes: 0 }), 'unreachable: connection refused');
  });
});
