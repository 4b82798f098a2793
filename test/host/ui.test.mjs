// Drives the packaged extension's UI in code-server with headless Chromium, as
// a person would: create a workspace from the palette, watch it turn running
// in the tree, read its hook output in the output panel and the countdown in
// the status bar; and read why the backend or Docker cannot be reached. A PNG
// of each step goes to test-results/ui/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { installVsix, openWorkbench, startCodeServer } from '../../src/devhost/codeServer.mjs';
import { ROOT, RESULTS, backendEnv, stopBackend } from './hostSupport.mjs';

const require = (await import('node:module')).createRequire(import.meta.url);
const { buildHookImage } = require(join(ROOT, 'out/test/support/hookImage.js'));
const { removeImage } = require(join(ROOT, 'out/test/support/testImage.js'));
const { removeWorkspaceObjects } = require(join(ROOT, 'out/test/support/docker.js'));

const IMAGE = 'drydock-test/ui:1';
const shots = join(RESULTS, 'ui');
const vsix = join(ROOT, 'drydock.vsix');
// The Workspaces tree's own message (TreeView.message), above its items or in place of its welcome text.
const TREE_MESSAGE = '.part.sidebar .pane-body .tree-explorer-viewlet-tree-view > .message';

before(() => {
  mkdirSync(shots, { recursive: true });
  execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--out', vsix], { cwd: ROOT, stdio: 'inherit' });
});

/** The text of the Workspaces view (message, welcome content and items), spaces as typed. */
const sidebarText = (page) => page.locator('.part.sidebar').innerText();

test('create a workspace from the palette and watch it in the tree, output panel and status bar', { timeout: 15 * 60_000 }, async () => {
  buildHookImage(IMAGE);
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
    // Connected: no problem message over the view.
    assert.equal((await page.locator(TREE_MESSAGE).innerText()).trim(), '');
    await shot('2-welcome');

    // Create Workspace from the palette, answering each step.
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('>Drydock: Create Workspace');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Create Workspace' }).first().click();
    // Each step fills the box only once the prompt showing is that step's ("Create Workspace (n/5): ..."), and the last waits for the box to close.
    for (const [index, answer] of [name, IMAGE, '', '', ''].entries()) {
      await page.locator('.quick-input-widget .quick-input-title', { hasText: `(${index + 1}/5)` }).waitFor({ timeout: 30_000 });
      await input.waitFor({ state: 'visible' });
      await input.fill(answer);
      await page.keyboard.press('Enter');
    }
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 30_000 });
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

test('the Workspaces view says why the backend, then Docker, cannot be reached', { timeout: 5 * 60_000 }, async () => {
  const profile = mkdtempSync(join(tmpdir(), 'dd-ui-'));
  const dirs = { extensionsDir: join(profile, 'extensions'), userDataDir: join(profile, 'user-data') };
  await installVsix(vsix, dirs);
  const { stateDir, env } = backendEnv('3m');
  // The backend cannot start: its Node does not exist. The setting is machine-scoped, which in
  // code-server (a remote window) means the server's Machine settings.
  const missingNode = join(profile, 'no-such-node');
  const machineSettings = join(dirs.userDataDir, 'Machine', 'settings.json');
  mkdirSync(dirname(machineSettings), { recursive: true });
  writeFileSync(machineSettings, JSON.stringify({ 'drydock.backendNodePath': missingNode }));
  // The opened folder's own value is never used, before or after the Machine one is cleared.
  mkdirSync(join(profile, '.vscode'));
  writeFileSync(join(profile, '.vscode', 'settings.json'), JSON.stringify({ 'drydock.backendNodePath': join(profile, 'folder-node') }));
  // Once it starts, it finds no engine at this DOCKER_HOST (the system's engine is left alone).
  const noDocker = join(stateDir, 'no-docker.sock');
  const server = await startCodeServer({ ...dirs, env: { ...env, DOCKER_HOST: `unix://${noDocker}` } });
  let workbench;
  try {
    workbench = await openWorkbench({ url: server.url, folder: profile });
    const { page } = workbench;
    const shot = (step) => page.screenshot({ path: join(shots, `${step}.png`) });
    await page.locator('.activitybar a.action-label[aria-label="Drydock"]').click();

    await page.locator('.part.sidebar').getByText('backend does not answer').waitFor({ timeout: 60_000 });
    await shot('down-1-backend');
    const backendDown = await sidebarText(page);
    assert.doesNotMatch(backendDown, /\$\{/, 'no unexpanded ${...} in the view');
    const message = await page.locator(TREE_MESSAGE).innerText();
    assert.ok(message.includes(`drydock.backendNodePath is "${missingNode}"`), `the view names the setting and its value: ${message}`);
    assert.match(message, /does not exist/);

    // Clear the setting: the extension retries by itself, starts the backend on VS Code's own Node
    // (not the folder's), and the reason becomes Docker's.
    writeFileSync(machineSettings, '{}');
    await page.locator(TREE_MESSAGE).getByText('Docker cannot be reached').waitFor({ timeout: 60_000 });
    await shot('down-2-docker');
    const dockerDown = await page.locator(TREE_MESSAGE).innerText();
    assert.ok(dockerDown.includes(noDocker), `the view says which engine did not answer: ${dockerDown}`);
    assert.doesNotMatch(await sidebarText(page), /\$\{/, 'no unexpanded ${...} in the view');
  } finally {
    if (workbench) await workbench.close();
    await server.stop();
    await stopBackend(stateDir);
    rmSync(profile, { recursive: true, force: true });
  }
});
