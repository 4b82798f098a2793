import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BuildLog, type BuildLogEntry } from '../../src/backend/builds/buildLog';
import { BuildRunner } from '../../src/backend/builds/buildRunner';
import { BuildLogStore } from '../../src/backend/builds/logStore';
import type { BuildReporter } from '../../src/backend/lifecycle/buildReporter';
import type { WorkspaceLifecycle } from '../../src/backend/lifecycle/workspaceLifecycle';
import { INTERRUPTED_MESSAGE } from '../../src/backend/workspaces/reconcile';
import { isDrydockError } from '../../src/core/errors';
import { parseWorkspaceSpec } from '../../src/core/spec';
import { skipOutsideCI } from '../support/skips';

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

  void it('makes log folders 0700 (tightening ones an older version made 0755) and logs 0600', async () => {
    const store = newStore();
    mkdirSync(join(store.root, 'old'), { recursive: true, mode: 0o755 });
    chmodSync(store.root, 0o755);
    chmodSync(join(store.root, 'old'), 0o755);
    for (const workspace of ['old', 'new']) {
      const buildId = store.newBuildId();
      const file = store.newFile(workspace, buildId);
      assert.equal(file, store.fileFor(workspace, buildId));
      const log = new BuildLog({ workspace, buildId, file });
      log.info('private');
      await log.finish({ status: 'running' });
      assert.equal(statSync(file).mode & 0o777, 0o600, file);
      assert.equal(statSync(dirname(file)).mode & 0o777, 0o700, dirname(file));
    }
    assert.equal(statSync(store.root).mode & 0o777, 0o700);
  });

  void it('ends an interrupted log with the message once: "interrupted: " is not repeated', async () => {
    const store = newStore();
    const buildId = writeLog(store, 'demo', 1);
    await store.markInterrupted('demo', buildId, INTERRUPTED_MESSAGE);
    const last = (await store.read('demo', buildId)).trimEnd().split('\n').at(-1)!;
    assert.match(last, /=== build interrupted: the backend stopped during this build/);
    assert.doesNotMatch(last, /interrupted: interrupted/);
    assert.ok(!INTERRUPTED_MESSAGE.startsWith('interrupted'), INTERRUPTED_MESSAGE);
  });

  void it('reading a log marked incomplete says so and why, also after a restart, and prune removes the marker', async () => {
    const store = newStore(1);
    const empty = writeLog(store, 'demo', 1);
    writeFileSync(store.fileFor('demo', empty), ''); // a full disk leaves a 0-byte file
    await store.markIncomplete('demo', empty, 'ENOSPC: no space left on device, write');
    const text = await store.read('demo', empty);
    assert.match(text, /^=== log incomplete: the backend could not write this log file \(ENOSPC: no space left on device, write\)/);
    assert.match(text, /drydock status demo/);
    assert.match(text, /free disk space/);

    const partial = writeLog(store, 'demo', 2);
    await store.markIncomplete('demo', partial, 'ENOSPC: no space left on device, write');
    const restarted = new BuildLogStore(store.root, 1);
    const lines = (await restarted.read('demo', partial)).split('\n');
    assert.equal(lines[0], 'build 2');
    assert.match(lines[1], /^=== log incomplete: .*ENOSPC/);
    // On a full disk the marker may stay empty: it still marks the log.
    writeFileSync(`${store.fileFor('demo', partial)}.incomplete`, '');
    assert.match(await new BuildLogStore(store.root).read('demo', partial), /=== log incomplete: .*disk was probably full/);
    // A whole log reads as it is, and markers are not builds.
    const whole = writeLog(store, 'demo', 3);
    assert.equal(await store.read('demo', whole), 'build 3\n');
    assert.deepEqual(
      (await store.list('demo')).map((log) => log.buildId),
      [whole, partial, empty],
    );

    await store.prune('demo');
    assert.deepEqual(readdirSync(join(store.root, 'demo')), [`${whole}.log`]);
  });
});

/** A tmpfs of 64 KiB filled to the last byte: a real full file system (needs root; skipped where it cannot be mounted). */
function mountFullTmpfs(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'drydock-full-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  after(() => {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  mkdirSync(join(dir, 'logs', 'demo'), { recursive: true });
  try {
    writeFileSync(join(dir, 'filler'), Buffer.alloc(128 * 1024));
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  return dir;
}

const full = mountFullTmpfs();

void describe('a build on a full disk', { skip: skipOutsideCI(full === undefined ? 'needs root and tmpfs to make a full file system' : undefined) }, () => {
  void it('keeps the live log, records the result, and the saved log says it is incomplete and why', async () => {
    const store = new BuildLogStore(join(full!, 'logs'));
    // The engine's part is not what is tested: a lifecycle that prints and succeeds.
    const lifecycle = {
      rebuild: async (_spec: unknown, buildId: string, reporter: BuildReporter) => {
        await reporter.step('Configure', () => Promise.resolve(reporter.output('stdout', Buffer.from('configured ✓\n'))));
        return { buildId, state: 'running', imageId: 'sha256:x', user: 'dev', warnings: [], durationMs: 1 };
      },
    } as unknown as WorkspaceLifecycle;
    const runner = new BuildRunner(lifecycle, store);
    const handle = runner.start(parseWorkspaceSpec({ name: 'demo', image: 'ubuntu:24.04' }, { cpus: 1 }));
    const seen: BuildLogEntry[] = [];
    handle.log.subscribe((entry) => seen.push(entry));
    const finished = await handle.finished;

    assert.equal(finished.outcome?.state, 'running', 'the result is recorded');
    assert.ok(seen.some((entry) => entry.kind === 'output' && entry.text === 'configured ✓'));
    const warning = seen.find((entry) => entry.kind === 'warn');
    assert.match(warning?.text ?? '', /could not write the build log file .*ENOSPC/);
    assert.equal(seen.at(-1)?.kind, 'result');
    assert.equal(statSync(handle.log.file).size, 0, 'nothing reached the file');
    assert.deepEqual(
      (await store.list('demo')).map((log) => log.buildId),
      [handle.id],
    );
    assert.match(await store.read('demo', handle.id), /^=== log incomplete: .*ENOSPC: no space left on device/);
    // Free space: the marker (if it fitted) or the store's memory still says the log is incomplete.
    rmSync(join(full!, 'filler'));
    assert.match(await store.read('demo', handle.id), /=== log incomplete/);
  });
});
