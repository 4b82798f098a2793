import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateDaemonState } from '../../src/backend/workspaces/records';

void describe('pulled images in the state file', () => {
  void it('reads an entry of an older file, without an engine, as pulled on the local engine', () => {
    const state = validateDaemonState({
      workspaces: {},
      pulledImages: [
        { id: 'sha256:aaa', reference: 'registry.example/team/app:1', at: '2026-11-29T06:00:00.000Z' },
        { id: 'sha256:bbb', reference: 'registry.example/team/app:1', engine: 'pa', at: '2026-11-29T06:01:00.000Z' },
      ],
    });
    assert.deepEqual(
      state.pulledImages.map((image) => [image.id, image.engine]),
      [
        ['sha256:aaa', 'local'],
        ['sha256:bbb', 'pa'],
      ],
    );
  });

  void it('reads a file from before pulled images as none', () => {
    assert.deepEqual(validateDaemonState({ workspaces: {} }).pulledImages, []);
  });

  void it('refuses an engine that is not a string, naming the field', () => {
    assert.throws(
      () => validateDaemonState({ workspaces: {}, pulledImages: [{ id: 'sha256:aaa', reference: 'r:1', engine: 3, at: 'x' }] }),
      /pulledImages\.0\.engine/,
    );
  });
});
