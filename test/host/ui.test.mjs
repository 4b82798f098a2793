// Drives the packaged extension's UI in code-server with headless Chromium, as
// a person would: create a workspace from the palette, watch it turn running
// in the tree, read its hook output in the output panel and the countdown in
// the status bar. A PNG of each step goes to test-results/ui/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { installVsix, openWorkbench, startCodeServer } from '../../src/devhost/codeServer.mjs';
import { ROOT, RESULTS, backendEnv, stopBackend } from './hostSupport.mjs';

const require = (await import('node:module')).createRequire(import.meta.url);
const { buildHookImage } = require(join(ROOT, 'out/test/support/hookImage.js'));
const { removeImage } = require(join(ROOT, 'out/test/support/testImage.js'));
const { removeWorkspaceObjects } = require(join(ROOT, 'out/test/support/docker.js'));

const IMAGE = 'drydock-test/ui:1';
const shots = join(RESULTS, 'ui');

test('create a workspace from the palette and watch it in the tree, output panel and status bar', { timeout: 15 * 60_000 }, async () => {
  mkdirSync(shots, { recursive: true });
  buildHookImage(IMAGE);
  const vsix = join(ROOT, 'drydock.vsix');
  execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--out', vsix], { cwd: ROOT, stdio: 'inherit' });
  const profile = mkdtempSync(join(tmpdir(), 'dd-ui-'));
  const dirs = { extensionsDir: join(profile, 'extensions'), userDataDir: join(profile, 'user-data') };
  await installVsix(vsix, dirs);
  const { stateDir, env } = backendEnv('3m');
  const name = `ui-${Date.now().toString(36)}`;
  const server = await startCodeServer({ ...dirs, env });
  let workbench;
  try {
    workbench = await openWorkbench({ url: server.url, folder: profile });
    const { page } = workbench;
    const shot = (step) => page.screenshot({ path: join(shots, `${step}.png`) });
    await shot('1-workbench');

    // The Drydock view, with its welcome text while there are no workspaces.
    await page.locator('.activitybar a.action-label[aria-label="Drydock"]').click();
    await page.getByText('No workspaces yet').waitFor({ timeout: 60_000 });
    await shot('2-welcome');

    // Create Workspace from the palette, answering each step.
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('>Drydock: Create Workspace');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Create Workspace' }).first().click();
    for (const answer of [name, IMAGE, '', '', '']) {
      await input.waitFor({ state: 'visible' });
      await input.fill(answer);
      await page.keyboard.press('Enter');
      await page.waitForTimeout(400);
    }
    await shot('3-created');

    // The tree shows it, and it turns running.
    const row = page.locator('.part.sidebar .pane-body .monaco-list-row', { hasText: name });
    await row.waitFor({ timeout: 60_000 });
    await row.filter({ hasText: 'running' }).waitFor({ timeout: 120_000 });
    await shot('4-running-in-tree');

    // Its hook output is in the output panel (revealed on a build the user started).
    const output = page.locator('.part.panel .output-view .view-lines');
    await output.waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      (needle) =>
        [...document.querySelectorAll('.part.panel .output-view .view-lines')].some((node) => node.textContent.replace(/\u00a0/g, ' ').includes(needle)),
      'Run /coder/configure',
      { timeout: 30_000 },
    );
    const text = (await output.first().textContent()).replace(/\u00a0/g, ' ');
    assert.match(text, /configure uid=1000/);
    await shot('5-output');

    // The countdown for the current workspace (the first one created becomes current).
    const countdown = page.locator('#workbench\\.parts\\.statusbar .statusbar-item[id$="drydock.countdown"]');
    await page.waitForFunction(
      (workspace) =>
        [...document.querySelectorAll('#workbench\\.parts\\.statusbar .statusbar-item')].some(
          (node) => node.id.endsWith('drydock.countdown') && node.textContent.includes(workspace) && /\d+[ms]/.test(node.textContent),
        ),
      name,
      { timeout: 30_000 },
    );
    assert.match(await countdown.textContent(), new RegExp(`${name} · (3m|2m)`));
    await shot('6-countdown');
  } finally {
    if (workbench) await workbench.close();
    await server.stop();
    await stopBackend(stateDir);
    removeWorkspaceObjects(name);
    removeImage(IMAGE);
    rmSync(profile, { recursive: true, force: true });
  }
});
