#!/usr/bin/env node
// `npm run test:desktop`: the extension's mocha suite (out/test/extension) in
// desktop VS Code through @vscode/test-electron, with the same private backend
// state folder and policy as the code-server harness (test/host/hostSupport.mjs).
// Not part of `npm test`: desktop VS Code is downloaded on first use (into
// .vscode-test/), which needs internet access, and on Linux a display (run it
// under xvfb-run on a headless machine). `npm test` runs the same suite in
// code-server (test/host/extensionHost.test.mjs).
// The npm script builds first; this file builds nothing. Exit code: the
// suite's (0 pass), or 2 when VS Code could not be downloaded.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { ROOT, backendEnv, stopBackend } from '../host/hostSupport.mjs';

// The VS Code of code-server 4.100.3, which runs the suite under `npm test`.
const VERSION = process.env.DRYDOCK_DESKTOP_VSCODE_VERSION || '1.100.3';

let vscodeExecutablePath;
try {
  vscodeExecutablePath = await downloadAndUnzipVSCode({ version: VERSION });
} catch (error) {
  console.error(
    `!!! desktop VS Code ${VERSION} could not be downloaded (${error.message.split('\n')[0]}): run \`npm run test:desktop\` on a machine with internet access; ` +
      'here `npm test` runs the same extension suite in code-server (test/host/extensionHost.test.mjs).',
  );
  process.exit(2);
}

const { stateDir, env } = backendEnv('3m');
const scratch = mkdtempSync(join(tmpdir(), 'drydock-desktop-'));
const folder = join(scratch, 'folder');
const userData = join(scratch, 'user-data');
let code = 1;
try {
  mkdirSync(folder);
  code = await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: join(ROOT, 'out/test/extension/index.js'),
    launchArgs: [folder, '--disable-extensions', `--user-data-dir=${userData}`],
    extensionTestsEnv: env,
  });
} catch (error) {
  // runTests rejects when the suite fails (TestRunFailedError) or VS Code does not start.
  console.error(`!!! desktop extension tests failed: ${error.message}`);
  code = typeof error.code === 'number' && error.code !== 0 ? error.code : 1;
} finally {
  await stopBackend(stateDir);
  rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
}
console.log(`[drydock-desktop] extension tests in desktop VS Code ${VERSION}: exit ${code}`);
process.exit(code);
