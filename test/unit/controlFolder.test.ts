import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isDrydockError } from '../../src/core/errors';
import { ControlFolder } from '../../src/backend/inside/controlFolder';

/**
 * The control folder is the container's to fill, so these plant what a hostile
 * container could (links, pipes, huge files, pre-made answers) on the real
 * file system and check that the backend reads, writes and removes nothing
 * outside it.
 */
void describe('a control folder filled by a hostile container', () => {
  let root: string;
  let folder: ControlFolder;
  let secret: string;
  const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'dd-control-'));
    secret = join(root, 'host-secret');
    writeFileSync(secret, 'host only\n');
    folder = new ControlFolder(join(root, 'inside', 'api'));
    await folder.reset(me);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  void it('reads a request only as a small regular file, never through a link, and removes it', async () => {
    writeFileSync(join(folder.path, 'req-ok'), 'v=1\nop=status\n');
    assert.equal(await folder.takeRequest('req-ok'), 'v=1\nop=status\n');
    assert.ok(!existsSync(join(folder.path, 'req-ok')));

    symlinkSync(secret, join(folder.path, 'req-link'));
    assert.equal(await folder.takeRequest('req-link'), undefined);
    assert.equal(readFileSync(secret, 'utf8'), 'host only\n', 'the link is removed, its target untouched');
    assert.ok(!existsSync(join(folder.path, 'req-link')));

    writeFileSync(join(folder.path, 'req-big'), 'x'.repeat(5000));
    assert.equal(await folder.takeRequest('req-big'), undefined);

    execFileSync('mkfifo', [join(folder.path, 'req-pipe')]);
    assert.equal(await folder.takeRequest('req-pipe'), undefined, 'a pipe under a request name does not hang the backend');
    assert.equal(await folder.takeRequest('../host-secret'), undefined, 'only names of the request pattern are read');
    assert.ok(existsSync(secret));
  });

  void it('writes an answer over a planted link without writing through it, and refuses a planted temp file', async () => {
    symlinkSync(secret, join(folder.path, 'ans-1'));
    await folder.answer('req-1', 'code=0\n');
    assert.equal(readFileSync(secret, 'utf8'), 'host only\n');
    assert.ok(!lstatSync(join(folder.path, 'ans-1')).isSymbolicLink());
    assert.equal(readFileSync(join(folder.path, 'ans-1'), 'utf8'), 'code=0\n');

    symlinkSync(secret, join(folder.path, '.ans-2.tmp'));
    await assert.rejects(folder.answer('req-2', 'code=0\n'), /EEXIST/);
    assert.equal(readFileSync(secret, 'utf8'), 'host only\n');
  });

  void it('opens only a real pipe that someone holds open', () => {
    writeFileSync(join(folder.path, 'lease-file'), '');
    assert.throws(
      () => folder.openPipe('lease-file'),
      (error: unknown) => isDrydockError(error, 'invalid_input'),
    );
    execFileSync('mkfifo', [join(root, 'outside-fifo')]);
    symlinkSync(join(root, 'outside-fifo'), join(folder.path, 'lease-link'));
    assert.throws(
      () => folder.openPipe('lease-link'),
      (error: unknown) => isDrydockError(error, 'not_found'),
    );
    execFileSync('mkfifo', [join(folder.path, 'lease-orphan')]);
    assert.throws(() => folder.openPipe('lease-orphan'), /nobody holds the keepalive pipe/);
    assert.throws(
      () => folder.openPipe('../outside-fifo'),
      (error: unknown) => isDrydockError(error, 'invalid_input'),
    );
  });

  void it("clears the last build's entries without descending into folders or following links", async () => {
    const victim = join(root, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'keep'), 'mine');
    symlinkSync(victim, join(folder.path, 'link-to-victim'));
    mkdirSync(join(folder.path, 'junk'));
    writeFileSync(join(folder.path, 'junk', 'file'), 'x');
    mkdirSync(join(folder.path, 'empty'));
    writeFileSync(join(folder.path, 'ans-old'), 'x');
    assert.equal(await folder.reset(me), 'private');
    assert.equal(readFileSync(join(victim, 'keep'), 'utf8'), 'mine');
    assert.ok(!existsSync(join(folder.path, 'link-to-victim')));
    assert.ok(!existsSync(join(folder.path, 'ans-old')));
    assert.ok(!existsSync(join(folder.path, 'empty')));
    assert.ok(existsSync(join(folder.path, 'junk', 'file')), 'a folder the container filled is left alone, not walked');
    assert.equal(lstatSync(join(root, 'inside')).mode & 0o777, 0o700);
  });
});
