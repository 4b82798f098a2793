// Drives the packaged extension's UI in code-server with headless Chromium, as
// a person would: create a workspace from the palette, watch it turn running
// in the tree, read its hook output in the output panel and the countdown in
// the status bar; set its auto-off, rebuild it from the tree (the modal names
// what is lost outside home), show the build log, set its auto-start, see the
// countdown's warning look near the deadline, send activity from an editor
// (open, edit, select, focus; throttled), extend it, hold busy leases with a
// task, a debug session and `drydock keepalive` inside the workspace (the
// tree shows "busy: sleep 40, N s"), stop it and delete it with its home from the
// tree, each checked in the backend (the typed client) and Docker too; and
// read why the backend or Docker cannot be reached. A PNG of each step goes
// to test-results/ui/.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { openWorkbench, startCodeServer } from '../../src/devhost/codeServer.mjs';
import { ROOT, RESULTS, backendEnv, packageExtension, profileWithExtension, stopBackend } from './hostSupport.mjs';

const require = (await import('node:module')).createRequire(import.meta.url);
const { buildHookImage } = require(join(ROOT, 'out/test/support/hookImage.js'));
const { removeImage } = require(join(ROOT, 'out/test/support/testImage.js'));
const { docker, removeWorkspaceObjects } = require(join(ROOT, 'out/test/support/docker.js'));
const { waitFor } = require(join(ROOT, 'out/test/support/cliSandbox.js'));
const { DrydockClient } = require(join(ROOT, 'out/src/client/drydockClient.js'));

const IMAGE = 'drydock-test/ui:1';
const shots = join(RESULTS, 'ui');
// The Workspaces tree's own message (TreeView.message), above its items or in place of its welcome text.
const TREE_MESSAGE = '.part.sidebar .pane-body .tree-explorer-viewlet-tree-view > .message';

before(() => packageExtension(shots));

/** Matches exactly `text` (a quick pick's label, a button, a menu item). */
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const exact = (text) => new RegExp(`^${escapeRegExp(text)}$`);

/** The text of the Workspaces view (message, welcome content and items), spaces as typed. */
const sidebarText = (page) => page.locator('.part.sidebar').innerText();

test('create a workspace from the palette and watch it in the tree, output panel and status bar', { timeout: 15 * 60_000 }, async () => {
  buildHookImage(IMAGE);
  const { profile, dirs } = await profileWithExtension();
  const { stateDir, env } = backendEnv('3m');
  const name = `ui-${Date.now().toString(36)}`;
  // The countdown turns to the warning look 2 minutes before auto-off.
  // A task that runs a few seconds, for the busy lease.
  mkdirSync(join(profile, '.vscode'));
  writeFileSync(
    join(profile, '.vscode', 'tasks.json'),
    JSON.stringify({ version: '2.0.0', tasks: [{ label: 'dd-busy', type: 'shell', command: 'sleep 8', problemMatcher: [] }] }),
  );
  // A debug session's program (run by code-server's own js-debug), for the debug lease, and a file to edit.
  writeFileSync(join(profile, 'busy.js'), 'setTimeout(() => {}, 8000);\n');
  writeFileSync(
    join(profile, '.vscode', 'launch.json'),
    JSON.stringify({
      version: '0.2.0',
      configurations: [{ name: 'dd-debug', type: 'node', request: 'launch', program: '${workspaceFolder}/busy.js', runtimeExecutable: process.execPath }],
    }),
  );
  writeFileSync(join(profile, 'notes.txt'), 'first line\nsecond line\n');
  const server = await startCodeServer({ ...dirs, env, settings: { 'drydock.warningMinutes': 2 } });
  let workbench;
  try {
    workbench = await openWorkbench({ url: server.url, folder: profile });
    const { page } = workbench;
    const shot = (step) => page.screenshot({ path: join(shots, `${step}.png`) });
    const quickInput = page.locator('.quick-input-widget .quick-input-box input');
    /** Runs `Drydock: <command>` from the palette. */
    const palette = async (command) => {
      await page.keyboard.press('F1');
      await quickInput.waitFor({ state: 'visible' });
      await quickInput.fill(`>Drydock: ${command}`);
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: `Drydock: ${command}` })
        .first()
        .click();
    };
    /** Runs a palette command by its full name. */
    const palette2 = async (command) => {
      await page.keyboard.press('F1');
      await quickInput.waitFor({ state: 'visible' });
      await quickInput.fill(`>${command}`);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first().click();
    };
    /** Picks `label` once the quick pick showing is the one whose placeholder says `placeholder`. */
    const pick = async (placeholder, label) => {
      await page.waitForFunction(
        (text) => {
          const box = document.querySelector('.quick-input-widget .quick-input-box input');
          return box && box.checkVisibility() && (box.getAttribute('placeholder') ?? '').includes(text);
        },
        placeholder,
        { timeout: 30_000 },
      );
      await page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: exact(label) }) })
        .first()
        .click();
    };
    /** Types `text` into the input box titled `title` and accepts it. */
    const typeInto = async (title, text) => {
      await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ timeout: 30_000 });
      await quickInput.fill(text);
      await page.keyboard.press('Enter');
    };
    const quickInputClosed = () => page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 30_000 });
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

    // From here on, what each command does is read back from the backend and Docker too.
    const client = new DrydockClient(join(stateDir, 'run/api.sock'));
    const view = () => client.workspace(name);
    const countdownText = () => countdown.textContent();
    /** Waits until the countdown reads `${name} · <one of times>`. */
    const countdownShows = (times) =>
      page.waitForFunction(
        ([workspace, pattern]) =>
          [...document.querySelectorAll('#workbench\\.parts\\.statusbar .statusbar-item')].some(
            (node) => node.id.endsWith('drydock.countdown') && new RegExp(`${workspace} · (${pattern})$`).test(node.textContent.trim()),
          ),
        [name, times],
        { timeout: 30_000 },
      );
    const warningLook = () => countdown.evaluate((node) => node.classList.contains('warning-kind'));
    const workspaceRow = page.locator('.part.sidebar .pane-body .monaco-list-row[aria-level="1"]', { hasText: name });
    /**
     * Runs a workspace row's inline action. A click that lands while the row is being
     * re-rendered (an event refreshed the tree) reaches the command without its row, and
     * the command asks which workspace, as it would for anyone: then the test answers it.
     */
    const treeAction = async (action, placeholder, done) => {
      await workspaceRow.hover();
      await workspaceRow.locator(`.actions .action-label[aria-label="${action}"]`).click();
      const asked = page
        .waitForFunction(
          (text) => {
            const box = document.querySelector('.quick-input-widget .quick-input-box input');
            return box && box.checkVisibility() && (box.getAttribute('placeholder') ?? '').includes(text);
          },
          placeholder,
          { timeout: 30_000 },
        )
        .then(() => 'asked');
      const finished = done().then(() => 'done');
      asked.catch(() => {});
      finished.catch(() => {});
      if ((await Promise.race([asked, finished])) === 'asked') {
        console.log(`${action}: the click reached the command without its row; answering its question`);
        await pick(placeholder, name);
        await finished;
      }
    };
    const detailRow = (label) => page.locator('.part.sidebar .pane-body .monaco-list-row[aria-level="2"]', { hasText: label });

    // Set Auto-Off from the palette: 1h. The countdown follows, out of the warning look (warningMinutes is 2).
    await palette('Set Auto-Off');
    await pick('Workspace to set auto-off for', name);
    await pick(`Auto-off for ${name}`, '1h');
    await quickInputClosed();
    await countdownShows('1h 00m|59m');
    assert.equal((await view()).autoOff.setting, '1h');
    assert.ok(Date.parse((await view()).deadline) - Date.now() > 55 * 60_000, 'the backend counts an hour from now');
    assert.equal(await warningLook(), false, `no warning look an hour before: ${await countdownText()}`);
    await shot('7-auto-off-1h');

    // Rebuild from the tree's inline action: the modal names what is lost outside home.
    const original = await view();
    docker(['exec', original.containerId, 'sh', '-c', 'echo x > /tmp/lost-file']);
    const dialog = page.locator('.monaco-dialog-box');
    await treeAction('Rebuild', 'Workspace to rebuild', () => dialog.waitFor({ timeout: 30_000 }));
    const dialogText = await dialog.innerText();
    assert.match(dialogText, new RegExp(`Rebuild ${name} from its image\\?`));
    assert.match(dialogText, /These changes made outside home since the last build will be lost/);
    assert.match(dialogText, /added\s+2 B\s+\/tmp\/lost-file/, `the modal names /tmp/lost-file with its size: ${dialogText}`);
    await shot('8-rebuild-modal');
    await dialog.locator('.monaco-button', { hasText: exact('Rebuild') }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    const rebuilt = await waitFor('the rebuild to end', 180_000, async () => {
      const now = await view();
      return now.lastBuild && now.lastBuild.buildId !== original.lastBuild.buildId && now.lastBuild.status !== 'building' ? now : undefined;
    });
    assert.equal(rebuilt.lastBuild.status, 'running', rebuilt.lastBuild.message);
    assert.equal(rebuilt.state, 'running');
    assert.notEqual(rebuilt.containerId, original.containerId, 'a new container');
    assert.equal(docker(['exec', rebuilt.containerId, 'sh', '-c', 'test -e /tmp/lost-file && echo present || echo gone']), 'gone');
    await workspaceRow.filter({ hasText: 'running' }).waitFor({ timeout: 30_000 });
    await shot('9-rebuilt');

    // Right after a build nothing outside home has changed since: the modal says nothing will be lost.
    await treeAction('Rebuild', 'Workspace to rebuild', () => dialog.waitFor({ timeout: 30_000 }));
    assert.match(await dialog.innerText(), /Nothing outside home changed since the last build, so nothing will be lost/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });

    // Show Build Log from the tree's "Last build" detail: the new build's log in an editor.
    if ((await workspaceRow.getAttribute('aria-expanded')) !== 'true') await workspaceRow.locator('.monaco-tl-twistie').click();
    // A click can land while a workspace event re-renders the tree (the row is replaced under the pointer):
    // VS Code then selects the row without running its command, so a user, and this test, clicks again.
    for (let attempt = 1; ; attempt++) {
      await detailRow('Last build').click();
      const asked = await page
        .waitForFunction(() => document.querySelector('.quick-input-widget .quick-input-box input')?.checkVisibility() === true, undefined, {
          timeout: 10_000,
        })
        .then(
          () => true,
          () => false,
        );
      if (asked) break;
      console.log(`clicking "Last build" (attempt ${attempt}) did not ask which build log to show; clicking again`);
      if (attempt === 3) throw new Error('clicking "Last build" three times never asked which build log to show');
    }
    await pick(`Build logs of ${name}`, rebuilt.lastBuild.buildId);
    await quickInputClosed();
    const logText = await client.buildLog(name, rebuilt.lastBuild.buildId);
    const configureLine = logText.split('\n').find((line) => line.includes('configure uid='));
    assert.ok(configureLine, `the log has the hook's output: ${logText}`);
    const firstLine = logText.split('\n')[0];
    await page.waitForFunction(
      (needles) => {
        const text = [...document.querySelectorAll('.part.editor .monaco-editor .view-lines')]
          .map((node) => node.textContent.replace(/\u00a0/g, ' '))
          .join('\n');
        return needles.every((needle) => text.includes(needle));
      },
      [firstLine.trim(), configureLine.trim()],
      { timeout: 30_000 },
    );
    await shot('10-build-log');

    // Set Auto-Start: weekdays at 08:00; the tree's detail shows the next start.
    await palette('Set Auto-Start');
    await pick('Workspace to schedule', name);
    await pick(`When should ${name} start itself?`, 'Weekdays at 08:00');
    await quickInputClosed();
    const scheduled = await waitFor('the schedule', 10_000, async () => (await view()).schedule);
    assert.equal(scheduled.expression, '0 8 * * 1-5');
    const next = new Date(scheduled.nextRun);
    assert.ok(
      next > new Date() && next.getHours() === 8 && next.getMinutes() === 0 && next.getDay() >= 1 && next.getDay() <= 5,
      `next run ${scheduled.nextRun}`,
    );
    await detailRow('Auto-start')
      .filter({ hasText: `next ${next.toLocaleString()}` })
      .waitFor({ timeout: 30_000 });
    assert.ok((await detailRow('Auto-start').innerText()).includes(scheduled.description));
    await shot('11-auto-start');

    // Near the deadline the countdown takes the warning look: auto-off 2m (Custom...) is within warningMinutes.
    await palette('Set Auto-Off');
    await pick('Workspace to set auto-off for', name);
    await pick(`Auto-off for ${name}`, 'Custom...');
    await typeInto('Auto-off after', '2m');
    await quickInputClosed();
    await countdownShows('2m|1m');
    await page.waitForFunction(
      () => document.querySelector('#workbench\\.parts\\.statusbar .statusbar-item[id$="drydock.countdown"]')?.classList.contains('warning-kind'),
      undefined,
      {
        timeout: 30_000,
      },
    );
    assert.equal((await view()).autoOff.setting, '2m');
    const warningBackground = await countdown.evaluate((node) => getComputedStyle(node).backgroundColor);
    assert.notEqual(warningBackground, 'rgba(0, 0, 0, 0)', 'the warning background is painted');
    await shot('12-warning-look');
    // Back to an hour: the warning look goes.
    await palette('Set Auto-Off');
    await pick('Workspace to set auto-off for', name);
    await pick(`Auto-off for ${name}`, '1h');
    await quickInputClosed();
    await countdownShows('1h 00m|59m');
    await page.waitForFunction(
      () => !document.querySelector('#workbench\\.parts\\.statusbar .statusbar-item[id$="drydock.countdown"]')?.classList.contains('warning-kind'),
      undefined,
      {
        timeout: 30_000,
      },
    );

    // Activity: opening a file, an edit, a selection and the window's focus each send a heartbeat,
    // at most one per 30 s (drydock.heartbeatSeconds' default), and none while the window is not
    // focused. With auto-off at 1h and no extension, the backend's deadline is the last activity + 1h.
    const HOUR = 60 * 60_000;
    const THROTTLE = 30_000;
    const lastActivity = async () => Date.parse((await view()).deadline) - HOUR;
    /** Waits out the throttle window that a heartbeat at `since` opened, so the next event is sent. */
    const throttleOver = (since) => waitFor('the heartbeat throttle to pass', THROTTLE + 15_000, () => Date.now() > since + THROTTLE + 500, 250);
    /** Waits for a heartbeat after `since`; returns the backend's new activity time. */
    const heartbeatAfter = (what, since) =>
      waitFor(`a heartbeat from ${what}`, 15_000, async () => ((await lastActivity()) > since ? lastActivity() : undefined));
    /** Nothing reaches the backend for `ms` (the one negative check: a wait for something not to happen). */
    const noHeartbeatFor = async (what, since, ms) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        assert.equal(await lastActivity(), since, `${what} sent a heartbeat`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    const editorLines = page.locator('.part.editor .monaco-editor .view-lines').first();
    let since = await lastActivity();
    await throttleOver(since);
    // Opening a file (Quick Open) is editor activity.
    await page.keyboard.press('F1');
    await quickInput.fill('notes.txt');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'notes.txt' }).first().click();
    await editorLines.waitFor({ timeout: 30_000 });
    since = await heartbeatAfter('opening notes.txt', since);
    await shot('14-activity-open');
    // Within the throttle window, edits and selections send nothing more.
    await editorLines.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('typed within the throttle\n');
    await page.keyboard.press('ArrowUp');
    await noHeartbeatFor('an edit within 30 s of the last heartbeat', since, 3_000);
    // After it, an edit is activity.
    await throttleOver(since);
    await page.keyboard.type('x');
    since = await heartbeatAfter('an edit', since);
    // So is a selection (the cursor moves, nothing changes).
    await throttleOver(since);
    await page.keyboard.press('Shift+Home');
    since = await heartbeatAfter('a selection', since);
    await shot('15-activity-edit-select');
    // Window focus: VS Code in a browser reads it from document.hasFocus() on focus/blur/visibility
    // events. Headless Chromium has no window manager to switch away from, so the page is told it
    // lost focus and got it back, as a person switching windows would make it.
    await throttleOver(since);
    await page.evaluate(() => {
      document.hasFocus = () => false;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.keyboard.type('y');
    await noHeartbeatFor('an edit in an unfocused window', since, 3_000);
    await page.evaluate(() => {
      delete document.hasFocus;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    since = await heartbeatAfter('the window regaining focus', since);
    assert.ok(since > Date.now() - 5_000, 'the heartbeat came with the focus, not with the unfocused edit');
    await shot('16-activity-focus');

    // Extend by 2h from the palette: the countdown and the backend's deadline move.
    await palette('Extend');
    await pick('Workspace to keep running', name);
    await pick(`Keep ${name} running for`, '2h');
    await quickInputClosed();
    await countdownShows('2h 00m|1h 59m');
    const extended = Date.parse((await view()).deadline) - Date.now();
    assert.ok(extended > 115 * 60_000 && extended <= 120 * 60_000, `the backend's deadline is 2h away: ${extended} ms`);
    await shot('13-extended');

    // A running task holds a busy lease on the current workspace; it goes when the task ends.
    await palette2('Tasks: Run Task');
    await pick('Select the task to run', 'dd-busy');
    await waitFor('the task to hold a lease', 30_000, async () => (await view()).leases === 1);
    await shot('17-task-lease');
    await waitFor('the lease to go with the task', 60_000, async () => !(await view()).leases);
    // So does a debug session (js-debug's child session under it is the same run: one lease).
    await palette2('Debug: Select and Start Debugging');
    // Its quick pick lists launch.json's configurations (in "debug " mode, with no placeholder).
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: exact('dd-debug') }) })
      .first()
      .click();
    await waitFor('the debug session to hold a lease', 60_000, async () => (await view()).leases === 1);
    await shot('18-debug-lease');
    await waitFor('the lease to go with the debug session', 60_000, async () => !(await view()).leases);
    // Debugging brought up its own view: back to Drydock's.
    await page.locator('.activitybar a.action-label[aria-label="Drydock"]').click();

    // `drydock keepalive` run inside the workspace shows in the tree with its command.
    docker(['exec', '-d', `drydock-${name}`, 'sh', '-c', 'drydock keepalive -- sleep 40']);
    await workspaceRow.filter({ hasText: /busy: sleep 40, \d+ s/ }).waitFor({ timeout: 30_000 });
    await shot('19-busy-inside');

    // Stop from the tree's inline action: the container goes, the workspace is off.
    await treeAction('Stop', 'Workspace to stop', () => waitFor('the stop to start', 30_000, async () => ['stopping', 'off'].includes((await view()).state)));
    await waitFor('the workspace to be off', 60_000, async () => (await view()).state === 'off');
    await workspaceRow.filter({ hasText: 'off' }).waitFor({ timeout: 30_000 });
    assert.equal(docker(['ps', '-aq', '--filter', `label=dev.drydock.workspace=${name}`]), '', 'no container left');
    await countdownShows('off');
    await shot('19-stopped');

    // Delete from the tree's context menu, home too, typing the name.
    const homeVolume = (await view()).homeVolume;
    assert.equal(docker(['volume', 'ls', '-q', '--filter', `name=^${homeVolume}$`]), homeVolume);
    await workspaceRow.click({ button: 'right' });
    // The menu runs the item the pointer is on when Enter is pressed (a click right after it opens can be dropped).
    await page.locator('.monaco-menu .action-label', { hasText: exact('Delete') }).hover();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ timeout: 30_000 });
    assert.match(await dialog.innerText(), new RegExp(`Delete ${name}\\?`));
    await shot('20-delete-modal');
    await dialog.locator('.monaco-button', { hasText: 'Delete Home Too' }).click();
    await typeInto(`Type ${name} to delete its home volume for good`, name);
    await quickInputClosed();
    await waitFor('the workspace to be gone from the backend', 60_000, async () => !(await client.listWorkspaces()).some((w) => w.name === name));
    await workspaceRow.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByText('No workspaces yet').waitFor({ timeout: 30_000 });
    assert.equal(docker(['volume', 'ls', '-q', '--filter', `name=^${homeVolume}$`]), '', 'the home volume is gone');
    await shot('21-deleted');
  } catch (error) {
    // What the page showed when a step failed.
    if (workbench) await workbench.page.screenshot({ path: join(shots, 'failed.png') }).catch(() => {});
    throw error;
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
  const { profile, dirs } = await profileWithExtension();
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
