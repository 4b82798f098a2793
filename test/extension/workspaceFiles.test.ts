import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { resolveLocations } from '../../src/api/locations';
import { DrydockClient } from '../../src/client/drydockClient';
import { containerName } from '../../src/core/names';
import { dockerExec, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { buildTestImage, removeImage } from '../support/testImage';
import { sleep, until } from './until';

/**
 * The drydock: file system inside a real VS Code host (code-server), driven
 * through vscode.workspace.fs as any extension or editor does, against a real
 * backend and a busybox workspace; docker exec checks what is really on disk.
 */
const IMAGE = 'drydock-test/ext-files:1';
const HOME = '/home/dev';

/** The FileSystemError code VS Code gives callers ('FileNotFound', 'NoPermissions'...). */
async function errorCode(call: Thenable<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof vscode.FileSystemError, `a FileSystemError, not ${String(error)}`);
    return error.code;
  }
  assert.fail('the call succeeded');
}

describe('drydock: files through vscode.workspace.fs', () => {
  const client = new DrydockClient(resolveLocations().socketPath);
  const name = uniqueName('fs');
  const container = containerName(name);
  const uri = (path: string): vscode.Uri => vscode.Uri.from({ scheme: 'drydock', authority: name, path });
  const text = (value: string): Uint8Array => new TextEncoder().encode(value);

  before(async () => {
    buildTestImage(IMAGE, { files: { '/srv/locked/keep': { content: 'root keeps this\n', mode: 0o644 } } });
    const extension = vscode.extensions.all.find((candidate) => (candidate.packageJSON as { name?: string }).name === 'drydock');
    assert.ok(extension);
    await extension.activate();
    await vscode.workspace.getConfiguration('drydock').update('heartbeatSeconds', 5, vscode.ConfigurationTarget.Global);
    await until('the backend', () => client.health().catch(() => undefined));
    await client.createWorkspace({ name, image: IMAGE, user: 'dev', pullPolicy: 'never' }, { build: true });
    await until('the workspace to run', async () => (await client.workspace(name)).state === 'running', 120_000);
    dockerExec(container, `printf 'root owns this' > ${HOME}/root-file && chmod 644 ${HOME}/root-file`, 'root');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('drydock').update('heartbeatSeconds', undefined, vscode.ConfigurationTarget.Global);
    removeWorkspaceObjects(name);
    removeImage(IMAGE);
  });

  it('writes, reads, stats and lists as the workspace user', async () => {
    await vscode.workspace.fs.writeFile(uri(`${HOME}/notes.txt`), text('written from VS Code\n'));
    assert.equal(dockerExec(container, `stat -c '%U' ${HOME}/notes.txt && cat ${HOME}/notes.txt`), 'dev\nwritten from VS Code');
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri(`${HOME}/notes.txt`))), 'written from VS Code\n');
    const stat = await vscode.workspace.fs.stat(uri(`${HOME}/notes.txt`));
    assert.equal(stat.type, vscode.FileType.File);
    assert.equal(stat.size, 21);
    assert.equal(stat.permissions, undefined, 'the user may write it');
    assert.equal((await vscode.workspace.fs.stat(uri(`${HOME}/root-file`))).permissions, vscode.FilePermission.Readonly, 'root owns it: read-only');
    const entries = new Map(await vscode.workspace.fs.readDirectory(uri(HOME)));
    assert.equal(entries.get('notes.txt'), vscode.FileType.File);
  });

  it('creates folders, renames (overwrite honoured) and deletes (recursive)', async () => {
    await vscode.workspace.fs.createDirectory(uri(`${HOME}/proj/src`));
    await vscode.workspace.fs.writeFile(uri(`${HOME}/proj/src/a.txt`), text('a'));
    await vscode.workspace.fs.writeFile(uri(`${HOME}/proj/b.txt`), text('b'));
    assert.equal(await errorCode(vscode.workspace.fs.rename(uri(`${HOME}/proj/src/a.txt`), uri(`${HOME}/proj/b.txt`), { overwrite: false })), 'FileExists');
    await vscode.workspace.fs.rename(uri(`${HOME}/proj/src/a.txt`), uri(`${HOME}/proj/b.txt`), { overwrite: true });
    assert.equal(dockerExec(container, `cat ${HOME}/proj/b.txt; ls ${HOME}/proj/src | wc -l`), 'a0');
    await vscode.workspace.fs.delete(uri(`${HOME}/proj`), { recursive: true });
    assert.equal(dockerExec(container, `[ -e ${HOME}/proj ] && echo there || echo gone`), 'gone');
  });

  it("maps the backend's refusals to FileSystemErrors", async () => {
    assert.equal(await errorCode(vscode.workspace.fs.stat(uri(`${HOME}/missing`))), 'FileNotFound');
    assert.equal(await errorCode(vscode.workspace.fs.readFile(uri(`${HOME}/missing`))), 'FileNotFound');
    assert.equal(await errorCode(vscode.workspace.fs.writeFile(uri(`${HOME}/root-file`), text('mine'))), 'NoPermissions');
    assert.equal(await errorCode(vscode.workspace.fs.writeFile(uri('/srv/locked/planted'), text('x'))), 'NoPermissions');
    assert.equal(await errorCode(vscode.workspace.fs.readFile(uri('/etc/shadow'))), 'FileNotFound', 'the busybox image has no shadow file');
    assert.equal(await errorCode(vscode.workspace.fs.readDirectory(uri(`${HOME}/root-file`))), 'FileNotADirectory');
    assert.equal(dockerExec(container, `cat ${HOME}/root-file; ls /srv/locked`), 'root owns thiskeep', 'nothing root owns changed');
  });

  it('reading and saving count as activity for that workspace', async () => {
    const deadline = async (): Promise<number> => Date.parse((await client.workspace(name)).deadline ?? '');
    const before = await deadline();
    // The tracker sends at most one heartbeat per 5 s per workspace: keep reading, as an editor would, until one gets through.
    const later = await until(
      'a later deadline after reads',
      async () => {
        await vscode.workspace.fs.readFile(uri(`${HOME}/notes.txt`));
        const now = await deadline();
        return now > before ? now : undefined;
      },
      30_000,
    );
    assert.ok(later > before);
  });

  it('reports a file made inside the workspace to a file watcher', async () => {
    dockerExec(container, `mkdir -p ${HOME}/watched`);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(uri(`${HOME}/watched`), '**/*'));
    const created: string[] = [];
    watcher.onDidCreate((created_) => created.push(created_.path));
    try {
      // The first listing is the baseline; then a terminal (docker exec) makes a file.
      await sleep(3000);
      dockerExec(container, `echo hi > "${HOME}/watched/from terminal.txt"`);
      await until('the created event', () => created.includes(`${HOME}/watched/from terminal.txt`), 20_000);
    } finally {
      watcher.dispose();
    }
  });

  it('answers Unavailable, saying why, once the workspace is stopped', async () => {
    await client.stop(name);
    try {
      await vscode.workspace.fs.readFile(uri(`${HOME}/notes.txt`));
      assert.fail('read a stopped workspace');
    } catch (error) {
      assert.ok(error instanceof vscode.FileSystemError);
      assert.equal(error.code, 'Unavailable');
      assert.match(error.message, /not running/);
    }
  });
});
