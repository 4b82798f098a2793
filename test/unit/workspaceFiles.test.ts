import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, parseListing, parseStat } from '../../src/backend/files/fileScripts';
import { diff, inotifyChange } from '../../src/backend/files/fileWatches';
import { checkPath } from '../../src/backend/files/workspaceFiles';
import { attachedContainerUri } from '../../src/core/devContainers';
import { DrydockError } from '../../src/core/errors';

void describe('workspace files: parsing what the scripts print', () => {
  void it('reads stat output: type from the mode, milliseconds from the full time, symlink and writable flags', () => {
    const info = parseStat('1 0 1 81a4 1309 1795921006 1795921007 2026-11-29 02:56:46.214507999 +0000\n');
    assert.deepEqual(info, { type: 'file', symlink: true, size: 1309, mtimeMs: 1795921006214, ctimeMs: 1795921007000, writable: false, held: true });
    assert.equal(parseStat('0 1 0 41ed 4096 1 2 1970-01-01 00:00:01 +0000').type, 'directory');
    assert.equal(parseStat('1 0 0 dangling').type, 'other');
    assert.throws(() => parseStat('stat: garbage'), DrydockError);
  });

  void it('splits a NUL-separated listing, names with newlines and dashes whole, sorted', () => {
    const raw = Buffer.from('fb\0dsub\0Llinked dir\0lnew\nline\0x-dangling\0f-rf\0', 'utf8');
    assert.deepEqual(parseListing(raw), [
      { name: '-dangling', type: 'other', symlink: true },
      { name: '-rf', type: 'file', symlink: false },
      { name: 'b', type: 'file', symlink: false },
      { name: 'linked dir', type: 'directory', symlink: true },
      { name: 'new\nline', type: 'file', symlink: true },
      { name: 'sub', type: 'directory', symlink: false },
    ]);
  });

  void it('classifies refusals by the script own line first, then by busybox and glibc strerror text', () => {
    assert.equal(classify('drydock-error:exists\n'), 'exists');
    assert.equal(classify("sh: can't open '/etc/shadow': Permission denied"), 'no_permission');
    assert.equal(classify('sh: 1: cannot create /srv/x: Permission denied'), 'no_permission');
    assert.equal(classify("mkdir: can't create directory '/a/b': No such file or directory"), 'not_found');
    assert.equal(classify("rmdir: '/x': Directory not empty"), 'conflict');
    assert.equal(classify('something else'), undefined);
  });

  void it('normalizes absolute paths and refuses relative ones and NUL', () => {
    assert.equal(checkPath('/home/dev//src/'), '/home/dev/src');
    assert.equal(checkPath('/'), '/');
    assert.throws(
      () => checkPath('home/dev'),
      (error: unknown) => error instanceof DrydockError && error.field === 'path',
    );
    assert.throws(() => checkPath('/a\0b'), DrydockError);
  });

  void it('diffs two listings into created, changed and deleted', () => {
    const before = new Map([
      ['/h/a', 't1|1|81a4'],
      ['/h/b', 't1|1|81a4'],
    ]);
    const after = new Map([
      ['/h/a', 't2|2|81a4'],
      ['/h/c', 't1|1|81a4'],
    ]);
    assert.deepEqual(diff(before, after), [
      { type: 'changed', path: '/h/a' },
      { type: 'created', path: '/h/c' },
      { type: 'deleted', path: '/h/b' },
    ]);
  });
});

void describe('inotifywait records as changes', () => {
  void it('maps events to created, deleted and changed, keeps odd names whole, ignores the rest', () => {
    assert.deepEqual(inotifyChange('CREATE|/h/dev/new file'), { type: 'created', path: '/h/dev/new file' });
    assert.deepEqual(inotifyChange('CREATE,ISDIR|/h/dev/dir'), { type: 'created', path: '/h/dev/dir' });
    assert.deepEqual(inotifyChange('MOVED_TO|/h/dev/a|b\nc'), { type: 'created', path: '/h/dev/a|b\nc' });
    assert.deepEqual(inotifyChange('MOVED_FROM|/h/dev/old'), { type: 'deleted', path: '/h/dev/old' });
    assert.deepEqual(inotifyChange('DELETE_SELF|/h/dev/watched/'), { type: 'deleted', path: '/h/dev/watched' }, 'the root keeps no trailing slash');
    assert.deepEqual(inotifyChange('CLOSE_WRITE,CLOSE|/h/dev/saved'), { type: 'changed', path: '/h/dev/saved' });
    assert.deepEqual(inotifyChange('ATTRIB|/h/dev/x'), { type: 'changed', path: '/h/dev/x' });
    assert.equal(inotifyChange('IGNORED|/h/dev/x'), undefined);
    assert.equal(inotifyChange('garbage'), undefined);
    assert.equal(inotifyChange('CREATE|relative'), undefined);
  });
});

void describe('the Dev Containers attach URI', () => {
  void it('hex-encodes {"containerName":"/<container>"} and appends the path', () => {
    const uri = attachedContainerUri('drydock-api', '/home/dev');
    const hex = Buffer.from('{"containerName":"/drydock-api"}').toString('hex');
    assert.equal(uri, `vscode-remote://attached-container+${hex}/home/dev`);
    assert.equal(attachedContainerUri('/drydock-api', 'home/dev'), uri, 'a leading slash on the name or its absence on the path changes nothing');
    const decoded = JSON.parse(Buffer.from(/\+([0-9a-f]+)\//.exec(uri)?.[1] ?? '', 'hex').toString('utf8')) as unknown;
    assert.deepEqual(decoded, { containerName: '/drydock-api' });
  });
});
