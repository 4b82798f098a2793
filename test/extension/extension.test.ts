import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../src/extension/commandIds';
import type { DrydockApi } from '../../src/extension/extension';
import type { TreeNode } from '../../src/extension/workspacesTree';
import { removeWorkspaceObjects, uniqueName } from '../support/docker';
import { buildHookImage } from '../support/hookImage';
import { removeImage } from '../support/testImage';

/**
 * Inside a real VS Code host, against a real backend and Docker engine. The
 * harness starts the host with DRYDOCK_STATE_DIR and a DRYDOCK_POLICY whose
 * auto-off default is short, so the countdown moves while we watch.
 */
const IMAGE = 'drydock-test/extension:1';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('Drydock in a real VS Code host', () => {
  let api: DrydockApi;
  const name = uniqueName('ext');

  before(async () => {
    buildHookImage(IMAGE);
    const extension = vscode.extensions.all.find((candidate) => (candidate.packageJSON as { name?: string }).name === 'drydock');
    assert.ok(extension, 'the Drydock extension is installed in the host');
    api = (await extension.activate()) as DrydockApi;
  });

  after(() => {
    removeWorkspaceObjects(name);
    removeImage(IMAGE);
  });

  it('registers every command', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of COMMAND_IDS) assert.ok(registered.has(id), `${id} is registered`);
  });

  it('shows a real workspace in the tree, with its details, and streams its hook output to the output channel', async () => {
    const client = await api.drydock.connection.api();
    await client.createWorkspace({ name, image: IMAGE, pullPolicy: 'never' }, { build: true });
    const running = await until(
      'the workspace to run',
      () => (api.drydock.cache.get(name)?.state === 'running' ? api.drydock.cache.get(name) : undefined),
      120_000,
    );
    assert.equal(running.image, IMAGE);

    const roots = api.drydock.tree.getChildren();
    const node = roots.find((root) => root.kind === 'workspace' && root.workspace.name === name) as TreeNode;
    assert.ok(node, 'the tree lists the workspace');
    const item = api.drydock.tree.getTreeItem(node);
    assert.equal(item.contextValue, 'workspace-running');
    assert.match(String(item.description), /^running/);
    const details = api.drydock.tree.getChildren(node).map((child) => (child.kind === 'detail' ? `${child.label}: ${child.description}` : ''));
    assert.ok(details.includes(`Image: ${IMAGE}`), details.join(' | '));
    assert.ok(
      details.some((detail) => detail.startsWith('Auto-off: 3m (policy default')),
      details.join(' | '),
    );

    const transcript = api.drydock.output.transcript(name).join('\n');
    assert.match(transcript, /==> Run \/coder\/configure/);
    assert.match(transcript, /configure uid=1000 user=dev home=\/home\/dev/);
    assert.match(transcript, /=== build running/);
  });

  it('counts down in the status bar for the current workspace', async () => {
    await vscode.commands.executeCommand('drydock.setCurrent', name);
    const first = await until('the countdown', () => (/\$\(clock\) .* · \d/.test(api.drydock.statusBar.text) ? api.drydock.statusBar.text : undefined), 10_000);
    assert.ok(first.includes(name), first);
    assert.match(first, /· (3m|2m)$/);
  });

  it('moves the deadline when there is activity', async () => {
    const before = Date.parse(api.drydock.cache.get(name)?.deadline ?? '');
    await sleep(2500);
    api.drydock.activity.heartbeat(true);
    const after = await until(
      'a later deadline',
      () => {
        const deadline = Date.parse(api.drydock.cache.get(name)?.deadline ?? '');
        return deadline > before + 2000 ? deadline : undefined;
      },
      10_000,
    );
    assert.ok(after - before >= 2000, `deadline moved by ${after - before} ms`);
    const client = await api.drydock.connection.api();
    const workspace = await client.workspace(name);
    assert.equal(Date.parse(workspace.deadline ?? ''), after, 'the backend holds the same deadline');
  });

  it('opens a terminal into the workspace as its user', async () => {
    await vscode.commands.executeCommand('drydock.openTerminal', name);
    const terminal = await until('the terminal', () => vscode.window.terminals.find((candidate) => candidate.name === `Drydock: ${name}`));
    terminal.sendText('echo "terminal-$(id -un)" > ~/terminal-proof');
    const client = await api.drydock.connection.api();
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
});
