#!/usr/bin/env node
// Proves the host harness works: runs test/host/smoke/test/index.js inside
// code-server + headless Chromium and exits with its exit code.
//   node test/host/smoke.mjs           -> expect 0
//   node test/host/smoke.mjs --break   -> one assertion fails, expect 1
// Exit 3 when the host is not installed (run src/devhost/installHost.mjs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostAvailable, runExtensionTests } from '../../src/devhost/codeServer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const reason = hostAvailable();
if (reason) {
  console.error(`!!! DRYDOCK TEST HOST UNAVAILABLE: ${reason}`);
  process.exit(3);
}
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-smoke-folder-'));
fs.writeFileSync(path.join(folder, 'README.md'), '# smoke workspace\n');
const started = Date.now();
let code;
try {
  code = await runExtensionTests({
    extensionDevelopmentPath: path.join(here, 'smoke'),
    extensionTestsPath: path.join(here, 'smoke', 'test', 'index.js'),
    folder,
    env: {
      DRYDOCK_SMOKE_ENV: 'passed-through',
      ...(process.argv.includes('--break') ? { DRYDOCK_SMOKE_BREAK: '1' } : {}),
    },
    timeoutMs: 180_000,
    screenshotDir: process.env.DRYDOCK_SMOKE_SCREENSHOTS || undefined,
  });
} finally {
  fs.rmSync(folder, { recursive: true, force: true });
}
console.log(`[drydock-test-host] smoke: exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(code);
