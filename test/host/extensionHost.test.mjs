// The extension's own tests (test/extension, mocha) inside code-server's real
// extension host, with a real backend and Docker engine. test/run.mjs runs
// this file only once src/devhost/installHost.mjs has put code-server in place.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runExtensionTests } from '../../src/devhost/codeServer.mjs';
import { ROOT, RESULTS, backendEnv, stopBackend } from './hostSupport.mjs';

test('extension tests pass inside a real VS Code extension host (code-server)', { timeout: 15 * 60_000 }, async () => {
  const { stateDir, env } = backendEnv('3m');
  try {
    const code = await runExtensionTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: join(ROOT, 'out/test/extension/index.js'),
      env,
      timeoutMs: 10 * 60_000,
      screenshotDir: join(RESULTS, 'extension-host'),
    });
    assert.equal(code, 0, 'the mocha suite in the extension host reported failures (see its output above)');
  } finally {
    await stopBackend(stateDir);
  }
});
