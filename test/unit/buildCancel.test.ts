import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BuildCancel } from '../../src/backend/lifecycle/buildCancel';

void describe('a build cancel switch', () => {
  void it('cancels while the build only reads and pulls, and the build then stops at its point of no return', () => {
    const cancel = new BuildCancel();
    assert.equal(cancel.cancel(), true);
    assert.equal(cancel.signal.aborted, true);
    assert.throws(
      () => cancel.commit(),
      (error: Error & { code?: string }) => error.code === 'interrupted' && /cancelled; nothing was changed/.test(error.message),
    );
  });

  void it('refuses a cancel once the build changes the workspace', () => {
    const cancel = new BuildCancel();
    cancel.commit();
    assert.equal(cancel.cancel(), false);
    assert.equal(cancel.signal.aborted, false);
  });
});
