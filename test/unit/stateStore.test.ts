import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeFileAtomic } from '../../src/files/atomicFile';
import { StateFile, type StateFileOptions } from '../../src/backend/state/stateStore';

const root = mkdtempSync(join(tmpdir(), 'drydock-state-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const newDir = () => {
  const dir = join(root, `d${++counter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const tempFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.tmp'));
const mode = (file: string) => statSync(file).mode & 0o777;
const posix = process.platform !== 'win32';

void describe('writeFileAtomic', () => {
  void it('writes the content with mode 0600 and leaves no temp file', async () => {
    const dir = newDir();
    const file = join(dir, 'a.json');
    await writeFileAtomic(file, 'first');
    await writeFileAtomic(file, 'second');
    assert.equal(readFileSync(file, 'utf8'), 'second');
    if (posix) assert.equal(mode(file), 0o600);
    await writeFileAtomic(file, 'third', 0o644);
    if (posix) assert.equal(mode(file), 0o644);
    assert.deepEqual(tempFiles(dir), []);
  });

  void it('50 concurrent writes end with the last one and valid JSON', async () => {
    const dir = newDir();
    const file = join(dir, 'state.json');
    const writes = Array.from({ length: 50 }, (_, i) => writeFileAtomic(file, JSON.stringify({ i, pad: 'x'.repeat(1000 * (i % 7)) })));
    await Promise.all(writes);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { i: number }).i, 49);
    assert.deepEqual(tempFiles(dir), []);
  });

  void it('a reader polling during writes never sees a partial file', async () => {
    const dir = newDir();
    const file = join(dir, 'state.json');
    const payload = (i: number) => JSON.stringify({ i, items: Array.from({ length: 5000 }, (_, j) => `item-${i}-${j}`) });
    await writeFileAtomic(file, payload(0));
    let done = false;
    let reads = 0;
    const reader = (async () => {
      while (!done) {
        const text = await readFile(file, 'utf8');
        assert.doesNotThrow(() => JSON.parse(text), `partial read of ${text.length} chars`);
        reads++;
      }
    })();
    for (let i = 1; i <= 40; i++) await writeFileAtomic(file, payload(i));
    done = true;
    await reader;
    assert.ok(reads > 0);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { i: number }).i, 40);
  });

  void it('removes its temp file when the write fails', async () => {
    const dir = newDir();
    const target = join(dir, 'occupied');
    mkdirSync(join(target, 'child'), { recursive: true }); // rename over a non-empty folder fails
    await assert.rejects(writeFileAtomic(target, 'data'));
    assert.deepEqual(tempFiles(dir), []);
    await writeFileAtomic(join(dir, 'ok'), 'fine'); // a failure does not poison later writes
  });
});

interface Demo {
  names: string[];
}

function demoFile(file: string, overrides: Partial<StateFileOptions<Demo>> = {}) {
  const logs: string[] = [];
  const store = new StateFile<Demo>({
    file,
    schemaVersion: 2,
    empty: () => ({ names: [] }),
    validate: (data) => {
      const names = (data as Partial<Demo> | null)?.names;
      if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new Error('names must be a list of strings');
      return { names };
    },
    log: (message) => logs.push(message),
    ...overrides,
  });
  return { store, logs };
}

const asideFiles = (file: string, kind: string) => readdirSync(dirname(file)).filter((n) => n.startsWith(`${basename(file)}.${kind}-`));

void describe('StateFile', () => {
  void it('round-trips, creating the folder 0700 and the file 0600, pretty printed', async () => {
    const file = join(root, 'fresh', 'nested', 'state.json');
    const { store, logs } = demoFile(file);
    await store.save({ names: ['a', 'b'] });
    assert.deepEqual(await store.load(), { state: { names: ['a', 'b'] } });
    const text = readFileSync(file, 'utf8');
    const envelope = JSON.parse(text) as { schemaVersion: number; savedAt: string; state: Demo };
    assert.equal(envelope.schemaVersion, 2);
    assert.match(envelope.savedAt, /^\d{4}-\d\d-\d\dT.*Z$/);
    assert.deepEqual(envelope.state, { names: ['a', 'b'] });
    assert.ok(text.includes('\n  "schemaVersion": 2'));
    if (posix) {
      assert.equal(mode(file), 0o600);
      assert.equal(mode(dirname(file)), 0o700);
    }
    assert.deepEqual(logs, []);
  });

  void it('a missing file loads empty without recovery', async () => {
    const { store } = demoFile(join(newDir(), 'state.json'));
    assert.deepEqual(await store.load(), { state: { names: [] } });
  });

  void it('moves corrupt JSON aside and says why', async () => {
    const file = join(newDir(), 'state.json');
    writeFileSync(file, '{"schemaVersion": 2, "state": {"names": [');
    const { store, logs } = demoFile(file);
    const result = await store.load();
    assert.deepEqual(result.state, { names: [] });
    assert.match(result.recovered?.reason ?? '', /not valid JSON/);
    const [aside] = asideFiles(file, 'corrupt');
    assert.equal(result.recovered?.movedTo, join(dirname(file), aside));
    assert.equal(readFileSync(result.recovered?.movedTo ?? '', 'utf8'), '{"schemaVersion": 2, "state": {"names": [');
    assert.equal(existsSync(file), false);
    assert.equal(logs.length, 1);
    assert.ok(logs[0].includes('not valid JSON') && logs[0].includes(aside));
  });

  void it('moves a file of the wrong shape aside', async () => {
    const file = join(newDir(), 'state.json');
    writeFileSync(file, '[1, 2]');
    const { store } = demoFile(file);
    assert.match((await store.load()).recovered?.reason ?? '', /not a JSON object/);
    writeFileSync(file, '{"names": []}');
    assert.match((await store.load()).recovered?.reason ?? '', /schemaVersion/);
    assert.equal(asideFiles(file, 'corrupt').length >= 1, true);
  });

  void it('moves content that validate() rejects aside, with its message', async () => {
    const file = join(newDir(), 'state.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, savedAt: 'x', state: { names: [1] } }));
    const { store, logs } = demoFile(file);
    const result = await store.load();
    assert.deepEqual(result.state, { names: [] });
    assert.match(result.recovered?.reason ?? '', /names must be a list of strings/);
    assert.ok(result.recovered?.movedTo?.includes('.corrupt-'));
    assert.equal(asideFiles(file, 'corrupt').length, 1);
    assert.match(logs[0], /names must be a list of strings/);
  });

  void it('passes an older schemaVersion to validate', async () => {
    const file = join(newDir(), 'state.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, savedAt: 'x', state: { names: ['old'] } }));
    const seen: number[] = [];
    const { store } = demoFile(file, { validate: (data, version) => (seen.push(version), data as Demo) });
    assert.deepEqual(await store.load(), { state: { names: ['old'] } });
    assert.deepEqual(seen, [1]);
  });

  void it('moves a file from a newer schema aside with "newer" in its name', async () => {
    const file = join(newDir(), 'state.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 3, savedAt: 'x', state: { names: ['future'] } }));
    const { store, logs } = demoFile(file);
    const result = await store.load();
    assert.deepEqual(result.state, { names: [] });
    assert.match(result.recovered?.reason ?? '', /newer Drydock \(schema 3; this one understands up to 2\)/);
    assert.match(basename(result.recovered?.movedTo ?? ''), /^state\.json\.newer-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    assert.equal(asideFiles(file, 'newer').length, 1);
    assert.equal(logs.length, 1);
    // The next save starts a fresh file; the newer one is kept aside.
    await store.save({ names: ['now'] });
    assert.deepEqual((await store.load()).state, { names: ['now'] });
  });
});
