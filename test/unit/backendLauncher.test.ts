import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveLocations } from '../../src/api/locations';
import { connectBackend } from '../../src/client/backendLauncher';
import { isDrydockError } from '../../src/core/errors';

void describe('connectBackend', () => {
  void it('fails at once, naming the program, when the Node.js it was given cannot be run', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'dd-launch-'));
    try {
      const started = Date.now();
      await assert.rejects(
        connectBackend({
          locations: resolveLocations({ DRYDOCK_STATE_DIR: stateDir }),
          backendScript: '/nonexistent/backend.js',
          nodePath: '/nonexistent/node',
          version: 'test',
        }),
        (error: unknown) => {
          assert.ok(isDrydockError(error, 'backend_down'), String(error));
          assert.match(error.message, /could not run \/nonexistent\/node/);
          return true;
        },
      );
      assert.ok(Date.now() - started < 5_000, 'it did not wait for the start timeout');
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
