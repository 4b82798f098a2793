// Drives the packaged extension in code-server with headless Chromium, as a
// person works in a workspace: open its home from the Workspaces tree's inline
// action (this window), see the explorer list home and the status bar name the
// workspace, open a file, type and save (the bytes checked with docker exec),
// then make a file from a new integrated terminal (the window's default
// "Drydock Workspace" profile) and see it appear in the explorer. A PNG of each
// step goes to test-results/workspace-folder/.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { openWorkbench, startCodeServer } from '../../src/devhost/codeServer.mjs';
import { ROOT, RESULTS, backendEnv, packageExtension, profileWithExtension, stopBackend } from './hostSupport.mjs';

const require = (await import('node:module')).createRequire(import.meta.url);
const { buildTestImage, removeImage } = require(join(ROOT, 'out/test/support/testImage.js'));
const { dockerExec, removeWorkspaceObjects } = require(join(ROOT, 'out/test/support/docker.js'));
const { waitFor } = require(join(ROOT, 'out/test/support/cliSandbox.js'));
const { DrydockClient } = require(join(ROOT, 'out/src/client/drydockClient.js'));
const { containerName } = require(join(ROOT, 'out/src/core/names.js'));

const IMAGE = 'drydock-test/ui-folder:1';
const shots = join(RESULTS, 'workspace-folder');

before(() => packageExtension(shots));

test('open a workspace home from the tree, edit and save a file, and see a file made in its terminal', { timeout: 15 * 60_000 }, async () => {
  buildTestImage(IMAGE);
  const { profile, dirs } = await profileWithExtension();
  const { stateDir, env } = backendEnv('30m');
  const name = `uif-${Date.now().toString(36)}`;
  const container = containerName(name);
  const client = new DrydockClient(join(stateDir, 'run/api.sock'));
  const server = await startCodeServer({ ...dirs, env });
  let workbench;
  try {
    workbench = await openWorkbench({ url: server.url, folder: profile });
    const { page } = workbench;
    const shot = (step) => page.screenshot({ path: join(shots, `${step}.png`) });
    const quickInput = page.locator('.quick-input-widget .quick-input-box input');
    const quickInputClosedOrGone = () => page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 30_000 });
    const rowOf = (label) => page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: label }) });

    // The extension started the backend; a workspace is made through it, with a file in its home.
    await waitFor('the backend the extension started', 60_000, () => client.health().catch(() => undefined));
    await client.createWorkspace({ name, image: IMAGE, user: 'dev', pullPolicy: 'never' }, { build: true });
    await waitFor('the workspace to run', 120_000, async () => (await client.workspace(name)).state === 'running' || undefined);
    dockerExec(container, 'printf "first line\\n" > /home/dev/hello.txt');

    // Open Workspace Folder from the tree item's inline action; the quick pick starts at home.
    await page.locator('.activitybar a.action-label[aria-label="Drydock"]').click();
    const row = page.locator('.part.sidebar .pane-body .monaco-list-row', { hasText: name });
    await row.filter({ hasText: 'running' }).waitFor({ timeout: 60_000 });
    await row.hover();
    await row.locator('.action-label[aria-label="Open Workspace Folder"]').click();
    await page.waitForFunction(
      () => (document.querySelector('.quick-input-widget .quick-input-box input')?.getAttribute('placeholder') ?? '').includes('/home/dev'),
      null,
      {
        timeout: 30_000,
      },
    );
    await shot('1-browse-home');
    await rowOf('Open /home/dev').first().click();
    await rowOf('This Window').first().click();

    // The window reloads on drydock://NAME/home/dev: the explorer lists home.
    const explorerRow = (file) => page.locator('.explorer-folders-view .monaco-list-row', { hasText: file });
    await explorerRow('hello.txt').waitFor({ timeout: 90_000 });
    assert.match(await page.title(), /dev/, 'the window is titled by its folder');
    await shot('2-explorer-lists-home');

    // This window works in that workspace by itself: the status bar counts down for it.
    const countdown = page.locator('#workbench\\.parts\\.statusbar .statusbar-item[id$="drydock.countdown"]');
    await page.waitForFunction(
      (needle) => (document.querySelector('#workbench\\.parts\\.statusbar .statusbar-item[id$="drydock.countdown"]')?.textContent ?? '').includes(needle),
      name,
      { timeout: 60_000 },
    );
    assert.ok((await countdown.innerText()).includes(name));

    // Open the file, type at its end, save: the bytes in the container are what was typed.
    await explorerRow('hello.txt').click();
    const editor = page.locator('.editor-instance .monaco-editor .view-lines');
    await editor.getByText('first line').waitFor({ timeout: 30_000 });
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('typed in the editor');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+S');
    await waitFor(
      'the saved bytes in the container',
      30_000,
      () => dockerExec(container, 'cat /home/dev/hello.txt') === 'first line\ntyped in the editor' || undefined,
    );
    await shot('3-saved');

    // Opening the folder made "Drydock Workspace" its default terminal profile.
    assert.deepEqual(JSON.parse(dockerExec(container, 'cat /home/dev/.vscode/settings.json')), {
      'terminal.integrated.defaultProfile.linux': 'Drydock Workspace',
    });
    // A terminal of that profile is a shell in the workspace, as its user, in the folder's path; a file made there shows in the explorer.
    // (Picked by name: VS Code 1.100's plain "Create New Terminal" throws after creating a contributed default profile's terminal.)
    await page.keyboard.press('F1');
    await quickInput.waitFor({ state: 'visible' });
    await quickInput.fill('>Terminal: Create New Terminal (With Profile)');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Create New Terminal (With Profile)' }).first().click();
    await rowOf('Drydock Workspace').first().click();
    await quickInputClosedOrGone();
    await page.keyboard.press('F1');
    await quickInput.waitFor({ state: 'visible' });
    await quickInput.fill('>Terminal: Focus Terminal');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Terminal: Focus Terminal' }).first().click();
    const terminal = page.locator('.part.panel .terminal-wrapper .xterm').first();
    await terminal.waitFor({ timeout: 30_000 });
    await terminal.click();
    // The terminal draws on a canvas (no text in the DOM): what it did is checked in the container.
    await page.keyboard.type('pwd > made-in-terminal.txt; whoami >> made-in-terminal.txt\n');
    await waitFor(
      'the file from the terminal',
      30_000,
      () => dockerExec(container, 'cat /home/dev/made-in-terminal.txt 2>/dev/null || true') === '/home/dev\ndev' || undefined,
    );
    await explorerRow('made-in-terminal.txt').waitFor({ timeout: 20_000 });
    await shot('4-terminal-file-in-explorer');

    // Auto-off (here: a stop) takes the workspace away under an open editor: the save fails with
    // "Rebuild and retry", the editor stays dirty, and the button rebuilds and saves what was typed.
    await client.stop(name);
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' after the stop');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+S');
    const retry = page.locator('.notifications-toasts .notification-toast', { hasText: 'Rebuild and retry' });
    await retry.waitFor({ timeout: 30_000 });
    assert.match(await retry.innerText(), new RegExp(`${name} is not running`));
    assert.equal(await page.locator('.tabs-container .tab.dirty', { hasText: 'hello.txt' }).count(), 1, 'the editor stays dirty');
    await shot('5-save-refused');
    await retry.locator('.monaco-button', { hasText: 'Rebuild and retry' }).click();
    await waitFor(
      'the retried save in the container',
      120_000,
      () => dockerExec(container, 'cat /home/dev/hello.txt 2>/dev/null || true') === 'first line\ntyped in the editor after the stop' || undefined,
    );
    await page.locator('.tabs-container .tab.dirty', { hasText: 'hello.txt' }).waitFor({ state: 'detached', timeout: 30_000 });
    await shot('6-rebuilt-and-saved');
  } catch (error) {
    await workbench?.page.screenshot({ path: join(shots, 'failure.png') }).catch(() => undefined);
    const terminalText = await workbench?.page
      .locator('.part.panel .xterm-rows')
      .allInnerTexts()
      .catch(() => []);
    const settings = (() => {
      try {
        return dockerExec(container, 'cat /home/dev/.vscode/settings.json');
      } catch (readError) {
        return `unreadable: ${readError.message}`;
      }
    })();
    throw new Error(`${error.message}\nterminal: ${JSON.stringify(terminalText)}\nfolder settings: ${settings}`, { cause: error });
  } finally {
    if (workbench) await workbench.close();
    await server.stop();
    await stopBackend(stateDir);
    removeWorkspaceObjects(name);
    removeImage(IMAGE);
    rmSync(profile, { recursive: true, force: true });
  }
});
