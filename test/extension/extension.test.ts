import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { resolveLocations } from '../../src/api/locations';
import type { WorkspaceView } from '../../src/api/views';
import { DrydockClient } from '../../src/client/drydockClient';
import { COMMAND_IDS } from '../../src/extension/commandIds';
import type { DrydockApi } from '../../src/extension/extension';
import { removeWorkspaceObjects, uniqueName } from '../support/docker';
import { buildHookImage } from '../support/hookImage';
import { removeImage } from '../support/testImage';
import { until } from './until';

/**
 * Inside a real VS Code host, against a real backend and Docker engine. The
 * harness starts the host with DRYDOCK_STATE_DIR and a DRYDOCK_POLICY whose
 * auto-off default is 3m. The suite drives the extension as a user does: its
 * contributed commands through vscode.commands.executeCommand (with the
 * arguments a tree item or a keybinding passes), and editing a document. It
 * checks what the user gets through public surfaces: the backend state the
 * Workspaces view shows, read with our own typed client on the same socket;
 * the editor Show Build Log opens; and the status bar's text, read through the
 * one thing the extension's activate() returns for tests (its DrydockApi:
 * only `statusBar.text` is used, as VS Code has no API to read another
 * extension's status bar item).
 */
const IMAGE = 'drydock-test/extension:1';
const MINUTE = 60_000;
const labelOf = (item: vscode.TreeItem): string => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));

describe('Drydock in a real VS Code host', () => {
  let api: DrydockApi;
  const client = new DrydockClient(resolveLocations().socketPath);
  const name = uniqueName('ext');
  const otherWorkspaces: string[] = [];
  const statusBarText = (): string => api.drydock.statusBar.text;
  const deadlineOf = (workspace: WorkspaceView): number => Date.parse(workspace.deadline ?? '');

  before(async () => {
    buildHookImage(IMAGE);
    const extension = vscode.extensions.all.find((candidate) => (candidate.packageJSON as { name?: string }).name === 'drydock');
    assert.ok(extension, 'the Drydock extension is installed in the host');
    api = (await extension.activate()) as DrydockApi;
    // A user setting: one heartbeat per 5 s at most (the least it allows), so activity shows within seconds.
    await vscode.workspace.getConfiguration('drydock').update('heartbeatSeconds', 5, vscode.ConfigurationTarget.Global);
    // The extension starts the backend on activation; ours is a second client on its socket.
    await until('the backend the extension started to answer', () => client.health().catch(() => undefined), 60_000);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('drydock').update('heartbeatSeconds', undefined, vscode.ConfigurationTarget.Global);
    removeWorkspaceObjects(name);
    for (const other of otherWorkspaces) removeWorkspaceObjects(other);
    removeImage(IMAGE);
  });

  it('registers every command', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of COMMAND_IDS) assert.ok(registered.has(id), `${id} is registered`);
  });

  it('builds a workspace with the policy default auto-off, and Show Build Log opens its hook output', async () => {
    await client.createWorkspace({ name, image: IMAGE, pullPolicy: 'never' }, { build: true });
    const running = await until(
      'the workspace to run',
      async () => {
        const workspace = await client.workspace(name);
        return workspace.state === 'running' ? workspace : undefined;
      },
      120_000,
    );
    assert.equal(running.image, IMAGE);
    assert.equal(running.autoOff?.threshold, '3m');
    assert.equal(running.autoOff?.setting, 'inherit');
    const buildId = running.lastBuild?.buildId;
    assert.ok(buildId, 'the workspace has a build');

    await vscode.commands.executeCommand('drydock.showBuildLog', name, buildId);
    const log = await until('the build log in an editor', () => {
      const text = vscode.window.activeTextEditor?.document.getText() ?? '';
      return text.includes(buildId) || /configure uid=/.test(text) ? text : undefined;
    });
    assert.match(log, /\/coder\/configure/);
    assert.match(log, /configure uid=1000 user=dev home=\/home\/dev/);
    assert.match(log, /=== build running/);
    // Read-only: nothing to save, nothing asked when the window closes.
    const shown = vscode.window.activeTextEditor?.document;
    assert.equal(shown?.uri.scheme, 'drydock-build-log');
    assert.equal(shown?.isUntitled, false);
    assert.equal(shown?.isDirty, false);
  });

  it('Set Current Workspace puts its countdown in the status bar, and Refresh reconnects to it', async () => {
    await vscode.commands.executeCommand('drydock.setCurrent', name);
    const first = await until('the countdown', () => (/\$\(clock\) .* · \d/.test(statusBarText()) ? statusBarText() : undefined), 10_000);
    assert.ok(first.includes(name), first);
    assert.match(first, /· (3m|2m)$/);

    // Refresh drops the connection and the workspaces it knew, then reconnects: the countdown comes back from the backend.
    await vscode.commands.executeCommand('drydock.refresh');
    const again = await until('the countdown after Refresh', () => (statusBarText().startsWith(`$(clock) ${name} · `) ? statusBarText() : undefined), 20_000);
    assert.match(again, /· (3m|2m)$/);
  });

  it('opening and editing a document in the window moves the deadline, as activity', async () => {
    const before = deadlineOf(await client.workspace(name));
    assert.ok(before > Date.now(), 'a deadline ahead');
    // Opening the editor counts too (the active editor changed): the user's actions start here.
    const from = Date.now();
    const document = await vscode.workspace.openTextDocument({ content: 'notes\n', language: 'plaintext' });
    const editor = await vscode.window.showTextDocument(document);
    // The tracker sends at most one heartbeat per 5 s: keep typing, as a user would, until one gets through.
    const after = await until(
      'a later deadline after typing',
      async () => {
        await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'x'));
        const deadline = deadlineOf(await client.workspace(name));
        return deadline > before ? deadline : undefined;
      },
      30_000,
    );
    assert.ok(after >= from + 3 * MINUTE, `the deadline is 3m after the user's actions (${new Date(after).toISOString()})`);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('Set Auto-Off changes the threshold the backend applies, and back to the policy default', async () => {
    const asked = Date.now();
    await vscode.commands.executeCommand('drydock.setAutoOff', name, '1h');
    const changed = await client.workspace(name);
    assert.equal(changed.autoOff?.setting, '1h');
    assert.equal(changed.autoOff?.threshold, '1h');
    assert.ok(deadlineOf(changed) > asked + 50 * MINUTE, `the deadline follows the new threshold (${changed.deadline})`);
    await until('the status bar to count down from an hour', () => / · (1h 00m|59m)$/.test(statusBarText()) || undefined, 10_000);

    await vscode.commands.executeCommand('drydock.setAutoOff', name, 'inherit');
    const inherited = await client.workspace(name);
    assert.equal(inherited.autoOff?.setting, 'inherit');
    assert.equal(inherited.autoOff?.threshold, '3m');
    assert.ok(deadlineOf(inherited) < Date.now() + 4 * MINUTE, `the deadline is back within the policy default (${inherited.deadline})`);
  });

  it('Extend keeps the workspace running for the chosen time', async () => {
    const asked = Date.now();
    await vscode.commands.executeCommand('drydock.extend', name, '30m');
    const extended = await client.workspace(name);
    assert.ok(deadlineOf(extended) >= asked + 30 * MINUTE - 1000, `the deadline is 30m away (${extended.deadline})`);
    assert.ok(deadlineOf(extended) <= Date.now() + 30 * MINUTE + 1000, `and no further (${extended.deadline})`);
    await until('the status bar to count down from 30 minutes', () => / · (30m|29m)$/.test(statusBarText()) || undefined, 10_000);
  });

  it('opens a terminal into the workspace as its user', async () => {
    await vscode.commands.executeCommand('drydock.openTerminal', name);
    const terminal = await until('the terminal', () => vscode.window.terminals.find((candidate) => candidate.name === `Drydock: ${name}`));
    terminal.sendText('echo "terminal-$(id -un)" > ~/terminal-proof');
    await until(
      'the command typed in the terminal to run',
      async () => {
        const { execId } = await client.startExec(name, { command: ['sh', '-c', 'grep -q terminal-dev ~/terminal-proof'], tty: false, stdin: false });
        const socket = await client.attachExec(execId);
        await new Promise((resolve) => {
          socket.on('end', resolve);
          socket.on('close', resolve);
        });
        const status = await until(
          'exit',
          async () => {
            const result = await client.execStatus(execId);
            return result.running ? undefined : result;
          },
          5000,
        );
        return status.exitCode === 0 ? true : undefined;
      },
      20_000,
    );
    terminal.dispose();
  });

  it('groups the tree by engine once there is more than one, each engine node with its reachability and load', async () => {
    const tree = api.drydock.tree;
    const rootLabels = (): string[] => tree.getChildren().map((node) => labelOf(tree.getTreeItem(node)));
    assert.deepEqual(
      rootLabels().filter((label) => label === name),
      [name],
      'one engine: the workspaces are the top level',
    );
    // A second name for the system's own engine (harmless: nothing is started there), and one that never answers.
    const systemHost = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
    await client.addEngine('second', { host: systemHost });
    await client.addEngine('gone', { host: `unix:///tmp/${uniqueName('no-engine')}.sock` });
    try {
      await vscode.commands.executeCommand('drydock.refresh');
      const engineNodes = await until('the tree to group by engine', () => {
        const nodes = tree.getChildren().filter((node) => node.kind === 'engine');
        return nodes.length === 3 ? nodes : undefined;
      });
      const item = (engine: string): vscode.TreeItem => {
        const node = engineNodes.find((candidate) => candidate.kind === 'engine' && candidate.engine.name === engine);
        assert.ok(node, `an engine node for ${engine}`);
        return tree.getTreeItem(node);
      };
      assert.equal(item('local').label, 'local (default)');
      assert.match(String(item('local').description), /^1 workspace · .+ of [\d.]+ GB$/);
      assert.equal(item('local').contextValue, 'engine-reachable');
      assert.match(String(item('second').description), /^0 workspaces · /);
      assert.match(String(item('gone').description), /^unreachable: /);
      assert.equal(item('gone').contextValue, 'engine-unreachable');
      const under = (engine: string): string[] => {
        const node = tree.getChildren().find((candidate) => candidate.kind === 'engine' && candidate.engine.name === engine);
        return node ? tree.getChildren(node).map((child) => labelOf(tree.getTreeItem(child))) : [];
      };
      assert.deepEqual(under('local'), [name]);

      // A workspace created on the second engine shows under it, and its node's load counts it.
      const other = uniqueName('ext-second');
      otherWorkspaces.push(other);
      await client.createWorkspace({ name: other, image: IMAGE, pullPolicy: 'never', memory: '1g' }, { build: true, engine: 'second' });
      await until(
        'the new workspace under the second engine, running',
        async () => {
          const view = await client.workspace(other);
          return view.state === 'running' && under('second').includes(other) ? true : undefined;
        },
        120_000,
      );
      await until(
        'the second engine to count its memory',
        () =>
          /^1 workspace · 1 GB of /.test(
            String(tree.getTreeItem(tree.getChildren().find((node) => node.kind === 'engine' && node.engine.name === 'second')!).description),
          ) || undefined,
      );
      await client.deleteWorkspace(other, { deleteHome: true });
    } finally {
      await client.removeEngine('second').catch(() => undefined);
      await client.removeEngine('gone').catch(() => undefined);
    }
    await until(
      'the tree to be flat again with one engine',
      () => (rootLabels().includes(name) && tree.getChildren().every((node) => node.kind !== 'engine')) || undefined,
    );
  });
});
