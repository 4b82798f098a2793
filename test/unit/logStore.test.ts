import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BuildLog } from '../../src/backend/builds/buildLog';
import { BuildLogStore } from '../../src/backend/builds/logStore';
import { isDrydockError } from '../../src/core/errors';

const root = mkdtempSync(join(tmpdir(), 'drydock-logstore-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const newStore = (keep?: number) => new BuildLogStore(join(root, `logs${++counter}`), keep);
const at = (iso: string) => () => new Date(iso);

/** Writes a log for a build started `minute` minutes after 20:00. */
function writeLog(store: BuildLogStore, workspace: string, minute: number): string {
  const buildId = store.newBuildId(at(`2026-11-28T20:${String(minute).padStart(2, '0')}:05.250Z`));
  const file = store.fileFor(workspace, buildId);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `build ${minute}\n`);
  return buildId;
}

void describe('BuildLogStore', () => {
  void it('makes sortable, unique build ids and puts logs under root/workspace', () => {
    const store = newStore();
    const id = store.newBuildId(at('2026-11-28T20:10:00.123Z'));
    assert.match(id, /^20261128T201000Z-[0-9a-f]{6}$/);
    assert.notEqual(store.newBuildId(at('2026-11-28T20:10:00.123Z')), id);
    assert.ok(store.newBuildId(at('2026-11-28T20:10:01.000Z')) > id);
    assert.equal(store.fileFor('demo', id), join(store.root, 'demo', `${id}.log`));
  });

  void it('lists newest first, reads, and round-trips with BuildLog', async () => {
    const store = newStore();
    assert.deepEqual(await store.list('demo'), []);
    const old = writeLog(store, 'demo', 1);
    const buildId = store.newBuildId(at('2026-11-28T20:30:00.000Z'));
    const log = new BuildLog({ workspace: 'demo', buildId, file: store.fileFor('demo', buildId), clock: at('2026-11-28T20:30:00.000Z') });
    log.info('hello');
    await log.finish({ status: 'running' });
    writeFileSync(join(store.root, 'demo', 'notes.txt'), 'not a log');
    const listed = await store.list('demo');
    assert.deepEqual(
      listed.map((l) => l.buildId),
      [buildId, old],
    );
    assert.equal(listed[1].sizeBytes, 'build 1\n'.length);
    assert.match(listed[0].modifiedAt, /^\d{4}-\d\d-\d\dT.*Z$/);
    assert.equal(await store.read('demo', buildId), '2026-11-28T20:30:00.000Z info| hello\n2026-11-28T20:30:00.000Z === build running\n');
  });

  void it('orders builds of the same second by last write', async () => {
    const store = newStore();
    const ids = [writeLog(store, 'demo', 5), writeLog(store, 'demo', 5)];
    utimesSync(store.fileFor('demo', ids[0]), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(
      (await store.list('demo')).map((l) => l.buildId),
      [ids[1], ids[0]],
    );
  });

  void it('prune keeps the newest 20 of 25', async () => {
    const store = newStore();
    const ids = Array.from({ length: 25 }, (_, i) => writeLog(store, 'demo', 30 - i)); // created newest first on purpose
    const other = writeLog(store, 'other', 1);
    const removed = await store.prune('demo');
    assert.deepEqual(removed.sort(), ids.slice(20).sort());
    assert.deepEqual(
      (await store.list('demo')).map((l) => l.buildId),
      ids.slice(0, 20),
    );
    assert.deepEqual(await store.prune('demo'), []);
    assert.deepEqual(
      (await store.list('other')).map((l) => l.buildId),
      [other],
    );
    assert.deepEqual(await newStore(3).prune('nothing-here'), []);
  });

  void it('removeAll deletes one workspace only', async () => {
    const store = newStore();
    writeLog(store, 'demo', 1);
    writeLog(store, 'other', 1);
    await store.removeAll('demo');
    await store.removeAll('demo');
    assert.equal(existsSync(join(store.root, 'demo')), false);
    assert.equal((await store.list('other')).length, 1);
  });

  void it('rejects invalid build ids and workspace names', async () => {
    const store = newStore();
    for (const bad of ['../../etc/passwd', '20261128T201000Z-a1b2c3/../x', '20261128T201000Z-A1B2C3', '', '20261128T201000Z-a1b2c3.log']) {
      assert.throws(
        () => store.fileFor('demo', bad),
        (error: unknown) => isDrydockError(error, 'invalid_input') && error.field === 'buildId' && error.message.includes('20261128T201000Z-a1b2c3'),
      );
      await assert.rejects(store.read('demo', bad), (error: unknown) => isDrydockError(error, 'invalid_input'));
    }
    for (const bad of ['..', 'a/b', 'Demo', '']) {
      assert.throws(
        () => store.fileFor(bad, '20261128T201000Z-a1b2c3'),
        (error: unknown) => isDrydockError(error, 'invalid_input') && error.field === 'workspace',
      );
      await assert.rejects(store.list(bad), (error: unknown) => isDrydockError(error, 'invalid_input'));
    }
  });

  void it('read of an unknown build says not found, names it and says how to list builds', async () => {
    const store = newStore();
    const known = writeLog(store, 'demo', 1);
    await assert.rejects(store.read('demo', '20261128T201000Z-000000'), (error: unknown) => {
      assert.ok(isDrydockError(error, 'not_found'), String(error));
      assert.match(error.message, /20261128T201000Z-000000/);
      assert.match(error.message, /drydock logs demo/);
      assert.ok(error.message.includes(known), error.message);
      return true;
    });
    await assert.rejects(store.read('empty', '20261128T201000Z-000000'), /no build logs yet/);
  });
});
