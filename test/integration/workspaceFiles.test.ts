/**
 * A workspace's files through the backend's API, against the real engine: a
 * real backend process, a busybox workspace, and docker exec as the judge of
 * what is really on disk. Every operation must run as the workspace user, so
 * what root owns stays out of reach, symlinks included.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { endpoints, pathFor } from '../../src/api/endpoints';
import type { FileWatchEvent } from '../../src/api/fileViews';
import { containerName } from '../../src/core/names';
import { DrydockError } from '../../src/core/errors';
import { createRunning, newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { docker, dockerExec, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { buildTestImage, removeImage } from '../support/testImage';

const IMAGE = 'drydock-test/files:1';
const HOME = '/home/dev';
const SHADOW = 'root:$6$not-for-dev$hash:19000:0:99999:7:::\n';

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Rejects with the DrydockError the call threw, for assert.rejects to check its code. */
function code(expected: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof DrydockError, `expected a DrydockError, got ${String(error)}`);
    assert.equal(error.code, expected, error.message);
    return true;
  };
}

void describe('workspace files through the API (real engine, busybox workspace)', () => {
  let daemon: TestDaemon;
  let stateDir: string;
  const name = uniqueName('files');
  const container = containerName(name);
  const as = (user: string, command: string): string => dockerExec(container, command, user);
  const client = (): TestDaemon['client'] => daemon.client;
  const read = async (path: string): Promise<Buffer> => readAll(await client().readFile(name, path));

  before(async () => {
    buildTestImage(IMAGE, {
      files: {
        '/etc/shadow': { content: SHADOW, mode: 0o600 },
        '/srv/locked/keep': { content: 'root keeps this\n', mode: 0o644 },
      },
    });
    stateDir = newStateDir();
    daemon = await startDaemon(stateDir);
    await createRunning(daemon, { name, image: IMAGE, user: 'dev' });
    // What root put in the user's home: readable but not writable, and one not even readable.
    as('root', `printf 'root owns this\\n' > ${HOME}/root-file && chmod 644 ${HOME}/root-file`);
    as('root', `printf 'secret\\n' > ${HOME}/root-secret && chmod 600 ${HOME}/root-secret`);
    as('dev', `ln -s /etc/shadow ${HOME}/shadow && ln -s /srv/locked ${HOME}/locked`);
  });

  after(async () => {
    await daemon?.stop();
    removeWorkspaceObjects(name);
    removeImage(IMAGE);
    if (stateDir) removeStateDir(stateDir);
  });

  void it('stats, lists, reads and writes as the workspace user', async () => {
    const written = await client().writeFile(name, `${HOME}/hello.txt`, Buffer.from('hello\n'), { create: true, overwrite: false });
    assert.equal(written.size, 6);
    assert.equal(as('root', `stat -c '%U:%G %s' ${HOME}/hello.txt`), 'dev:dev 6', 'the file belongs to the workspace user, not root');
    const stat = await client().statFile(name, `${HOME}/hello.txt`);
    assert.equal(stat.type, 'file');
    assert.equal(stat.size, 6);
    assert.equal(stat.writable, true);
    assert.equal(stat.symlink, false);
    assert.ok(Math.abs(stat.mtimeMs - Date.now()) < 120_000, `mtime ${stat.mtimeMs} is about now`);
    assert.equal((await read(`${HOME}/hello.txt`)).toString(), 'hello\n');
    const home = await client().statFile(name, HOME);
    assert.equal(home.type, 'directory');
    const entries = await client().listDirectory(name, HOME);
    assert.deepEqual(
      entries.filter((entry) => ['hello.txt', 'shadow', 'locked', 'root-file'].includes(entry.name)),
      [
        { name: 'hello.txt', type: 'file', symlink: false },
        { name: 'locked', type: 'directory', symlink: true },
        { name: 'root-file', type: 'file', symlink: false },
        { name: 'shadow', type: 'file', symlink: true },
      ],
    );
    // Overwrite in place; the answer is what the file now holds.
    await client().writeFile(name, `${HOME}/hello.txt`, Buffer.from('bye'), { create: false, overwrite: true });
    assert.equal(as('dev', `cat ${HOME}/hello.txt`), 'bye');
  });

  void it('refuses what the user may not do: a root-owned file, a symlink to /etc/shadow, a write through a symlink into a root-owned folder', async () => {
    assert.equal((await read(`${HOME}/root-file`)).toString(), 'root owns this\n', 'a world-readable root file can be read');
    assert.equal((await client().statFile(name, `${HOME}/root-file`)).writable, false, 'stat says it is read-only');
    await assert.rejects(client().writeFile(name, `${HOME}/root-file`, Buffer.from('mine now')), code('no_permission'));
    assert.equal(as('root', `cat ${HOME}/root-file`), 'root owns this', 'the root-owned file is unchanged');
    await assert.rejects(read(`${HOME}/root-secret`), code('no_permission'));

    const shadow = await client().statFile(name, `${HOME}/shadow`);
    assert.equal(shadow.symlink, true);
    await assert.rejects(read(`${HOME}/shadow`), code('no_permission'));
    await assert.rejects(read('/etc/shadow'), code('no_permission'));

    await assert.rejects(client().writeFile(name, `${HOME}/locked/planted`, Buffer.from('x')), code('no_permission'));
    await assert.rejects(client().writeFile(name, `${HOME}/locked/keep`, Buffer.from('x')), code('no_permission'));
    await assert.rejects(client().createDirectory(name, `${HOME}/locked/sub`), code('no_permission'));
    await assert.rejects(client().deleteFile(name, `${HOME}/locked/keep`), code('no_permission'));
    await assert.rejects(client().renameFile(name, `${HOME}/locked/keep`, `${HOME}/stolen`), code('no_permission'));
    assert.equal(as('root', 'ls /srv/locked'), 'keep', 'nothing was planted in, or taken from, the root-owned folder');
    assert.equal(as('root', 'cat /srv/locked/keep'), 'root keeps this');
    // The user may delete the symlink itself (it is theirs); its target stays.
    await client().deleteFile(name, `${HOME}/shadow`);
    assert.equal(as('root', 'cat /etc/shadow'), SHADOW.trim());
  });

  void it('round-trips 10 MB of binary content, checked by checksum on both sides', async () => {
    const content = randomBytes(10 * 1024 * 1024);
    // Sent as a stream in uneven chunks, as an editor's save would.
    const chunks = Array.from({ length: 41 }, (_unused, index) => content.subarray(index * 256_000, (index + 1) * 256_000)).filter((chunk) => chunk.length > 0);
    const written = await client().writeFile(name, `${HOME}/blob.bin`, Readable.from(chunks));
    assert.equal(written.size, content.length);
    assert.equal(as('dev', `sha256sum ${HOME}/blob.bin`).split(' ')[0], sha256(content), 'the bytes in the container are the bytes sent');
    const back = await read(`${HOME}/blob.bin`);
    assert.equal(back.length, content.length);
    assert.equal(sha256(back), sha256(content));
  });

  void it('lists a 1,000-entry folder whole', async () => {
    as('dev', `mkdir ${HOME}/many && cd ${HOME}/many && i=0; while [ $i -lt 1000 ]; do : > "f$i"; i=$((i+1)); done; mkdir sub`);
    const entries = await client().listDirectory(name, `${HOME}/many`);
    assert.equal(entries.length, 1001);
    assert.equal(entries.filter((entry) => entry.type === 'file').length, 1000);
    assert.deepEqual(
      entries.find((entry) => entry.name === 'sub'),
      { name: 'sub', type: 'directory', symlink: false },
    );
    assert.ok(entries.some((entry) => entry.name === 'f999'));
  });

  void it('handles odd names: spaces, unicode, newlines, leading dashes, quotes and globs', async () => {
    const odd = ['with space', 'ünïcødé 名前 🚢', 'new\nline', '-leading-dash', '--', '-rf', '*', `quote"'$(echo x)\`back\``, ' lead', '.hidden'];
    await client().createDirectory(name, `${HOME}/odd`);
    for (const [index, oddName] of odd.entries()) {
      await client().writeFile(name, `${HOME}/odd/${oddName}`, Buffer.from(`content ${index}`), { create: true, overwrite: false });
    }
    const listed = (await client().listDirectory(name, `${HOME}/odd`)).map((entry) => entry.name);
    assert.deepEqual(listed, [...odd].sort());
    // What the container holds, NUL-separated, as the shell's own glob sees it.
    const onDisk = as('dev', `cd ${HOME}/odd && for f in .* *; do case $f in .|..) ;; *) printf '%s\\0' "$f" ;; esac; done`).split('\0').filter(Boolean);
    assert.deepEqual(onDisk.sort(), [...odd].sort());
    for (const [index, oddName] of odd.entries()) {
      assert.equal((await read(`${HOME}/odd/${oddName}`)).toString(), `content ${index}`, oddName);
      assert.equal((await client().statFile(name, `${HOME}/odd/${oddName}`)).size, `content ${index}`.length);
    }
    await client().renameFile(name, `${HOME}/odd/new\nline`, `${HOME}/odd/-renamed\nagain`);
    await client().deleteFile(name, `${HOME}/odd/-rf`);
    await client().deleteFile(name, `${HOME}/odd/*`);
    const after = (await client().listDirectory(name, `${HOME}/odd`)).map((entry) => entry.name);
    assert.ok(after.includes('-renamed\nagain') && !after.includes('new\nline'));
    assert.ok(!after.includes('-rf') && !after.includes('*'));
    assert.equal(after.length, odd.length - 2, 'deleting "*" and "-rf" removed those two names only');
  });

  void it('creates, renames (overwrite honoured) and deletes (recursive honoured) folders and files', async () => {
    await client().createDirectory(name, `${HOME}/tree`);
    await client().createDirectory(name, `${HOME}/tree/a`);
    await client().writeFile(name, `${HOME}/tree/a/one`, Buffer.from('1'));
    await client().writeFile(name, `${HOME}/tree/two`, Buffer.from('2'));
    await assert.rejects(client().renameFile(name, `${HOME}/tree/a/one`, `${HOME}/tree/two`), code('exists'));
    assert.equal(as('dev', `cat ${HOME}/tree/two`), '2', 'a refused rename leaves the target');
    await client().renameFile(name, `${HOME}/tree/a/one`, `${HOME}/tree/two`, { overwrite: true });
    assert.equal(as('dev', `cat ${HOME}/tree/two`), '1');
    await client().createDirectory(name, `${HOME}/tree/b`);
    await client().renameFile(name, `${HOME}/tree/a`, `${HOME}/tree/b`, { overwrite: true });
    assert.equal(as('dev', `ls ${HOME}/tree`), 'b\ntwo', 'a folder renamed over a folder replaces it rather than moving into it');
    await client().writeFile(name, `${HOME}/tree/b/inner`, Buffer.from('x'));
    await assert.rejects(client().deleteFile(name, `${HOME}/tree`), code('conflict'));
    await client().deleteFile(name, `${HOME}/tree`, { recursive: true });
    assert.equal(as('dev', `[ -e ${HOME}/tree ] && echo there || echo gone`), 'gone');
  });

  void it('maps every refusal to its code, naming the path', async () => {
    const missing = `${HOME}/no-such`;
    await assert.rejects(client().statFile(name, missing), code('not_found'));
    await assert.rejects(read(missing), code('not_found'));
    await assert.rejects(client().listDirectory(name, missing), code('not_found'));
    await assert.rejects(client().writeFile(name, missing, Buffer.from('x'), { create: false }), code('not_found'));
    await assert.rejects(client().writeFile(name, `${missing}/deeper`, Buffer.from('x')), code('not_found'));
    await assert.rejects(client().deleteFile(name, missing), code('not_found'));
    await assert.rejects(client().renameFile(name, missing, `${HOME}/elsewhere`), code('not_found'));
    await assert.rejects(client().createDirectory(name, `${missing}/sub`), code('not_found'));

    await client().writeFile(name, `${HOME}/exists.txt`, Buffer.from('keep'));
    await assert.rejects(client().writeFile(name, `${HOME}/exists.txt`, Buffer.from('x'), { create: true, overwrite: false }), code('exists'));
    await assert.rejects(client().createDirectory(name, `${HOME}/exists.txt`), code('exists'));
    assert.equal(as('dev', `cat ${HOME}/exists.txt`), 'keep');

    await assert.rejects(client().listDirectory(name, `${HOME}/exists.txt`), code('not_directory'));
    await assert.rejects(client().writeFile(name, `${HOME}/exists.txt/inner`, Buffer.from('x')), code('not_directory'));
    await assert.rejects(read(HOME), code('is_directory'));
    await assert.rejects(client().writeFile(name, HOME, Buffer.from('x')), code('is_directory'));

    const refused = await client()
      .statFile(name, 'relative/path')
      .catch((error: unknown) => error as DrydockError);
    assert.ok(refused instanceof DrydockError && refused.code === 'invalid_input' && refused.field === 'path', JSON.stringify(refused));
    const wrongType = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({
        socketPath: client().socketPath,
        method: 'PUT',
        path: `${pathFor(endpoints.writeFile.path, { name })}?path=${encodeURIComponent(`${HOME}/json`)}`,
        headers: { 'content-type': 'application/json' },
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end('{}');
    });
    assert.equal(wrongType, 415, 'content sent as JSON is refused');
    await assert.rejects(client().statFile(name, missing), /no-such/, 'the message names the path');
  });

  void it('reports changes made inside the workspace to a watch: bounded polling, the image having no inotifywait', async () => {
    const events: FileWatchEvent[] = [];
    const abort = new AbortController();
    as('dev', `mkdir -p ${HOME}/watched/sub && echo old > ${HOME}/watched/sub/changing && echo x > ${HOME}/watched/doomed`);
    const following = client().watchFiles(name, `${HOME}/watched`, true, (event) => events.push(event), abort.signal);
    const seen = async (type: string, path: string): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!events.some((event) => event.type === 'changes' && event.changes.some((change) => change.type === type && change.path === path))) {
        if (Date.now() > deadline) throw new Error(`no ${type} ${path}; events: ${JSON.stringify(events)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    // The first listing is the baseline: let it be taken before changing anything.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.deepEqual(
      events.filter((event) => event.type === 'watching'),
      [{ type: 'watching', mechanism: 'polling' }],
      'busybox has no inotifywait: the watch says it polls',
    );
    as('dev', `echo new file > "${HOME}/watched/sub/made in terminal"; echo newer >> ${HOME}/watched/sub/changing; rm ${HOME}/watched/doomed`);
    await seen('created', `${HOME}/watched/sub/made in terminal`);
    await seen('changed', `${HOME}/watched/sub/changing`);
    await seen('deleted', `${HOME}/watched/doomed`);
    abort.abort();
    await following;
    // The polling script is gone once the watch is: nothing of it is left running in the workspace.
    const deadline = Date.now() + 10_000;
    while (as('root', 'ps -o args | grep -c "[n]ode_modules" || true') !== '0') {
      if (Date.now() > deadline) assert.fail(`the polling script outlived its watch: ${as('root', 'ps -o pid,args')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  void it('answers conflict, saying it is not running, once the workspace is stopped', async () => {
    await client().stop(name);
    await assert.rejects(client().statFile(name, HOME), (error: unknown) => {
      assert.ok(error instanceof DrydockError);
      assert.equal(error.code, 'conflict');
      assert.match(error.message, /not running/);
      return true;
    });
    await assert.rejects(client().writeFile(name, `${HOME}/late.txt`, Buffer.from('x')), code('conflict'));
    assert.equal(docker(['ps', '-q', '--filter', `name=^${container}$`]), '');
  });
});
