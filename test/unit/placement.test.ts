import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeByFreeMemory } from '../../src/core/placement';

const GB = 1024 ** 3;

void describe('placement by free memory (create --engine auto)', () => {
  void it('picks the engine with the most memory left after its workspaces’ limits, not the biggest', () => {
    const candidates = [
      { name: 'big', memoryBytes: 16 * GB, committedBytes: 14 * GB },
      { name: 'small', memoryBytes: 8 * GB, committedBytes: 1 * GB },
    ];
    assert.equal(placeByFreeMemory(candidates, 'big'), 'small');
  });

  void it('breaks a tie for the default engine, then by name', () => {
    const same = (name: string) => ({ name, memoryBytes: 8 * GB, committedBytes: 2 * GB });
    assert.equal(placeByFreeMemory([same('b'), same('local'), same('a')], 'local'), 'local');
    assert.equal(placeByFreeMemory([same('b'), same('a')], 'local'), 'a');
  });

  void it('has nothing to offer when no engine answers', () => {
    assert.equal(placeByFreeMemory([], 'local'), undefined);
  });
});
