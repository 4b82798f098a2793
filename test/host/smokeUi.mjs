#!/usr/bin/env node
// Proves the UI half of the harness: packs test/host/smoke into a .vsix with
// vsce, installs it with installVsix, starts code-server, opens the workbench
// with openWorkbench and drives it: status bar item, command palette, command run.
//   node test/host/smokeUi.mjs   -> 0 pass, 1 fail, 3 host/vsce unavailable
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostAvailable, installVsix, openWorkbench, startCodeServer } from '../../src/devhost/codeServer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const vsce = path.join(repo, 'node_modules', '.bin', 'vsce');
const reason = hostAvailable() ?? (fs.existsSync(vsce) ? undefined : `${vsce} missing (@vscode/vsce 3.x not installed)`);
if (reason) {
  console.error(`!!! DRYDOCK TEST HOST UNAVAILABLE: ${reason}`);
  process.exit(3);
}

const started = Date.now();
const step = (msg) => console.log(`[smoke-ui +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-smoke-ui-'));
const extensionsDir = path.join(scratch, 'extensions');
const userDataDir = path.join(scratch, 'user-data');
const folder = path.join(scratch, 'workspace');
fs.mkdirSync(folder);
const vsix = path.join(scratch, 'smoke.vsix');
let server;
let wb;
let code = 1;
try {
  const pack = spawnSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], {
    cwd: path.join(here, 'smoke'),
    encoding: 'utf8',
  });
  if (pack.status !== 0) throw new Error(`vsce package failed: ${pack.stdout}${pack.stderr}`);
  step(`packed ${vsix}`);
  await installVsix(vsix, { extensionsDir, userDataDir });
  step('installed the vsix');
  server = await startCodeServer({ extensionsDir, userDataDir });
  step(`code-server on ${server.url}`);
  wb = await openWorkbench({ url: server.url, folder });
  const { page } = wb;
  step('workbench ready');
  const item = page.locator('#workbench\\.parts\\.statusbar .statusbar-item[id="drydock-test.drydock-host-smoke.smoke.status"]');
  await item.waitFor({ state: 'visible', timeout: 60_000 });
  step(`status bar item: ${JSON.stringify(await item.innerText())}`);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill('>Smoke: Hello');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Smoke: Hello' }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  step('palette lists "Smoke: Hello"');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () =>
      document
        .querySelector('#workbench\\.parts\\.statusbar .statusbar-item[id="drydock-test.drydock-host-smoke.smoke.status"]')
        ?.textContent?.includes('Smoke: hello 1'),
    undefined,
    { timeout: 10_000 },
  );
  step(`after running it: ${JSON.stringify(await item.innerText())}`);
  if (process.env.DRYDOCK_SMOKE_SCREENSHOTS) {
    fs.mkdirSync(process.env.DRYDOCK_SMOKE_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(process.env.DRYDOCK_SMOKE_SCREENSHOTS, 'smoke-ui.png') });
  }
  code = 0;
} catch (error) {
  console.error(`smoke-ui FAILED: ${error.stack ?? error}`);
  if (server) console.error(`code-server log ${server.logFile}`);
} finally {
  if (wb) await wb.close().catch(() => {});
  if (server) await server.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}
step(`exit ${code}`);
process.exit(code);
