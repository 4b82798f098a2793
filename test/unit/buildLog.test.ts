import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BuildLog, type BuildLogEntry, type BuildLogLimits } from '../../src/backend/builds/buildLog';
import type { StepOutcome } from '../../src/backend/lifecycle/buildReporter';

const root = mkdtempSync(join(tmpdir(), 'drydock-buildlog-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A log in a fresh nested dir, with a clock that advances 100 ms per reading. */
function newLog(limits?: BuildLogLimits): BuildLog {
  let now = Date.parse('2026-11-28T20:10:00.000Z');
  const clock = () => new Date((now += 100));
  return new BuildLog({ workspace: 'demo', buildId: `b${++counter}`, file: join(root, `ws${counter}`, 'nested', 'build.log'), clock, limits });
}
/** A step body that runs synchronously when the step calls it. */
const now =
  <T>(fn: () => T) =>
  (): Promise<T> =>
    Promise.resolve(fn());
const fileLines = (log: BuildLog) => readFileSync(log.file, 'utf8').split('\n').slice(0, -1);
const strip = (line: string) => line.replace(/^\S+Z /, ''); // drop the timestamp
const outputs = (log: BuildLog) =>
  log
    .entries()
    .filter((e) => e.kind === 'output')
    .map((e) => `${e.stream}:${e.text}`);

/** Real GC, so heap measurements are not noise from uncollected garbage. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

void describe('steps', () => {
  void it('writes step headers, exit codes, durations and notes to the file and entries', async () => {
    const log = newLog();
    const exit = (code: number): StepOutcome => ({
      status: code === 0 ? 'ok' : 'warning',
      exitCode: code,
      note: code === 0 ? undefined : `hook exited ${code}`,
    });
    const first = await log.step(
      'Inject secrets',
      now(() => {
        log.output('stdout', Buffer.from('hello\n'));
        return 0;
      }),
      exit,
    );
    assert.equal(first, 0); // the result passes through
    await log.step(
      'Pull image',
      now(() => log.info('pulling')),
    );
    assert.equal(
      await log.step(
        'postCreate',
        now(() => 3),
        exit,
      ),
      3,
    );
    log.warn('careful');
    await log.finish({ status: 'running', message: 'ready' });
    assert.deepEqual(fileLines(log).map(strip), [
      '==> [step] Inject secrets',
      'stdout| hello',
      '<== [ok] Inject secrets (exit 0, 0.2s)',
      '==> [step] Pull image',
      'info| pulling',
      '<== [ok] Pull image (0.2s)',
      '==> [step] postCreate',
      '<== [warning] postCreate (exit 3, 0.1s): hook exited 3',
      'warn| careful',
      '=== build running: ready',
    ]);
    assert.match(fileLines(log)[0], /^2026-11-28T20:10:00\.100Z ==> /);
    const ends = log.entries().filter((e) => e.kind === 'step-end');
    assert.deepEqual(
      ends.map((e) => [e.step, e.status, e.exitCode, e.durationMs]),
      [
        ['Inject secrets', 'ok', 0, 200],
        ['Pull image', 'ok', undefined, 200],
        ['postCreate', 'warning', 3, 100],
      ],
    );
    assert.equal(log.entries()[1].step, 'Inject secrets');
    assert.deepEqual(
      log.entries().map((e) => e.seq),
      log.entries().map((_, i) => i + 1),
    );
    assert.equal(log.finished, true);
    assert.deepEqual(await log.done, log.entries().at(-1));
  });

  void it('records a throwing step as failed with the message, and rethrows', async () => {
    const log = newLog();
    await assert.rejects(
      log.step('Run hook', () => Promise.reject(new Error('exit 2: boom'))),
      /boom/,
    );
    await log.finish({ status: 'failed', message: 'hook failed' });
    assert.equal(strip(fileLines(log)[1]), '<== [failed] Run hook (0.1s): exit 2: boom');
    assert.equal(strip(fileLines(log)[2]), '=== build failed: hook failed');
  });

  void it('records a step failed when its outcome function throws', async () => {
    const log = newLog();
    await assert.rejects(
      log.step(
        'Check',
        now(() => 1),
        () => {
          throw new Error('bad result');
        },
      ),
      /bad result/,
    );
    await log.finish({ status: 'failed' });
    assert.equal(strip(fileLines(log)[1]), '<== [failed] Check (0.1s): bad result');
  });

  void it('refuses nested steps and ignores calls after finish', async () => {
    const log = newLog();
    await log.step('outer', async () => {
      await assert.rejects(
        log.step('inner', async () => {}),
        /do not nest/,
      );
    });
    await log.finish({ status: 'interrupted' });
    const count = log.entries().length;
    log.info('late');
    log.output('stdout', Buffer.from('late\n'));
    assert.equal(
      await log.step(
        'after',
        now(() => 7),
      ),
      7,
    );
    await log.finish({ status: 'failed' });
    assert.equal(log.entries().length, count);
    assert.equal(strip(fileLines(log).at(-1)!), '=== build interrupted');
  });

  void it('closes a step left open by finish as interrupted', async () => {
    const log = newLog();
    let release!: () => void;
    const running = log.step('hang', () => new Promise<void>((resolve) => (release = resolve)));
    log.output('stderr', Buffer.from('half a line'));
    await log.finish({ status: 'interrupted', message: 'stopped' });
    release();
    await running;
    assert.deepEqual(fileLines(log).map(strip), [
      '==> [step] hang',
      'stderr| half a line',
      '<== [interrupted] hang: the build ended before this step did',
      '=== build interrupted: stopped',
    ]);
  });
});

void describe('file errors', () => {
  void it('keeps the build and the in-memory log going when the file cannot be written', async () => {
    const dir = join(root, 'a-directory');
    mkdirSync(dir);
    const log = new BuildLog({ workspace: 'demo', buildId: 'x', file: dir });
    await log.step(
      's',
      now(() => log.output('stdout', Buffer.from('kept\n'))),
    );
    await log.finish({ status: 'running' });
    assert.match(String(log.writeError), /EISDIR/);
    assert.deepEqual(outputs(log), ['stdout:kept']);
  });

  void it('on a full disk (/dev/full: ENOSPC on every write) says so once in the live log, before the result, and tells listeners', async () => {
    const log = new BuildLog({ workspace: 'demo', buildId: 'x', file: '/dev/full' });
    const failures: Error[] = [];
    log.onWriteError((error) => failures.push(error));
    const seen: BuildLogEntry[] = [];
    log.subscribe((entry) => seen.push(entry));
    await log.step(
      'Configure',
      now(() => log.output('stdout', Buffer.from('kept\n'))),
    );
    log.output('stdout', Buffer.from('more output\n'));
    await log.finish({ status: 'running' });

    assert.equal(failures.length, 1, 'told once');
    assert.match(failures[0].message, /ENOSPC/);
    const warnings = seen.filter((entry) => entry.kind === 'warn');
    assert.equal(warnings.length, 1, JSON.stringify(seen));
    for (const fragment of ['could not write the build log file /dev/full', 'ENOSPC', 'shown live', 'incomplete', 'free disk space']) {
      assert.ok(warnings[0].text.includes(fragment), `"${warnings[0].text}" should mention "${fragment}"`);
    }
    // The live log goes on and ends with the build's result, after the warning.
    assert.deepEqual(
      seen.filter((entry) => entry.kind === 'output').map((entry) => entry.text),
      ['kept', 'more output'],
    );
    assert.equal(seen.at(-1)?.kind, 'result');
    assert.equal(seen.at(-1)?.status, 'running');
    assert.ok(seen.indexOf(warnings[0]) < seen.length - 1);
    // A listener that comes after the failure hears of it at once.
    let late: Error | undefined;
    log.onWriteError((error) => (late = error));
    assert.equal(late, failures[0]);
  });

  void it('says so when the log folder cannot be made', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, '');
    const log = new BuildLog({ workspace: 'demo', buildId: 'x', file: join(blocker, 'sub', 'build.log') });
    await log.finish({ status: 'failed' });
    assert.match(String(log.writeError), /ENOTDIR/);
    assert.equal(log.entries().filter((entry) => entry.kind === 'warn' && /ENOTDIR/.test(entry.text)).length, 1);
  });
});

void describe('file modes', () => {
  void it('writes the log 0600 in folders it makes 0700, whatever the umask', async () => {
    const previous = process.umask(0o000);
    try {
      const log = newLog();
      log.info('private');
      await log.finish({ status: 'running' });
      assert.equal(statSync(log.file).mode & 0o777, 0o600);
      assert.equal(statSync(dirname(log.file)).mode & 0o777, 0o700);
      assert.equal(statSync(dirname(dirname(log.file))).mode & 0o777, 0o700);
    } finally {
      process.umask(previous);
    }
  });
});

void describe('output', () => {
  void it('joins lines split across chunks, per stream, and flushes partial lines at step end', async () => {
    const log = newLog();
    await log.step(
      's',
      now(() => {
        log.output('stdout', Buffer.from('ab'));
        log.output('stderr', Buffer.from('E1'));
        log.output('stdout', Buffer.from('c\nde'));
        log.output('stderr', Buffer.from('\r\nE2\n'));
        log.output('stdout', Buffer.from('f\n\ntail'));
      }),
    );
    assert.deepEqual(outputs(log), ['stdout:abc', 'stderr:E1', 'stderr:E2', 'stdout:def', 'stdout:', 'stdout:tail']);
    assert.equal(log.entries().at(-1)!.kind, 'step-end');
    await log.finish({ status: 'running' });
  });

  void it('joins a multi-byte character split across chunks', async () => {
    const log = newLog();
    const bytes = Buffer.from('né\n');
    log.output('stdout', bytes.subarray(0, 2));
    log.output('stdout', bytes.subarray(2));
    await log.finish({ status: 'running' });
    assert.deepEqual(outputs(log), ['stdout:né']);
  });

  void it('cuts a 1 MB line with a marker without buffering it', async () => {
    const log = newLog({ maxLineBytes: 1024 });
    const before = heapUsed();
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let i = 0; i < 16; i++) log.output('stdout', chunk);
    // A 100 MB line without a newline must not grow memory either.
    for (let i = 0; i < 1600; i++) log.output('stderr', chunk);
    const growth = heapUsed() - before;
    log.output('stdout', Buffer.from('\nnext\n'));
    await log.finish({ status: 'running' });
    assert.deepEqual(outputs(log), [
      `stdout:${'x'.repeat(1024)} … [line truncated: 1048576 bytes]`,
      'stdout:next',
      `stderr:${'x'.repeat(1024)} … [line truncated: 104857600 bytes]`,
    ]);
    assert.ok(growth < 10 * 1024 * 1024, `heap grew ${growth} bytes`);
  });

  void it('turns NUL and binary bytes into one readable text line', async () => {
    const log = newLog();
    log.output('stdout', Buffer.from([0x61, 0x00, 0x09, 0xff, 0xfe, 0x1b, 0x5b, 0x6d, 0x0d, 0x62, 0x0a]));
    log.info('two\nlines');
    await log.finish({ status: 'running' });
    assert.deepEqual(outputs(log), ['stdout:a\\x00\t\uFFFD\uFFFD\\x1b[m\\x0db']);
    assert.deepEqual(fileLines(log).map(strip), ['stdout| a\\x00\t\uFFFD\uFFFD\\x1b[m\\x0db', 'info| two', 'info| lines', '=== build running']);
  });

  void it('bounds a 200 MB flood: file near the limit, headers intact, tail kept, small heap', async () => {
    const maxFileBytes = 8 * 1024 * 1024;
    const log = newLog({ maxFileBytes });
    const line = (n: number) => `line ${String(n).padStart(9, '0')} ${'y'.repeat(100)}\n`; // 116 bytes
    const perChunk = Math.floor((64 * 1024) / 116);
    const chunks = Math.ceil((200 * 1024 * 1024) / (perChunk * 116));
    const before = heapUsed();
    let n = 0;
    await log.step(
      'flood',
      async () => {
        for (let c = 0; c < chunks; c++) {
          let text = '';
          for (let i = 0; i < perChunk; i++) text += line(n++);
          log.output('stdout', Buffer.from(text));
          if (c % 256 === 0) await new Promise((resolve) => setImmediate(resolve)); // let the file stream drain
        }
      },
      () => ({ status: 'ok', exitCode: 0 }),
    );
    const growth = heapUsed() - before;
    await log.step(
      'after',
      now(() => log.info('still logged')),
    );
    await log.finish({ status: 'running' });
    const size = statSync(log.file).size;
    assert.ok(size < maxFileBytes * 1.5, `file is ${size} bytes`);
    assert.ok(growth < 50 * 1024 * 1024, `heap grew ${growth} bytes`);
    const lines = fileLines(log).map(strip);
    assert.equal(lines[0], '==> [step] flood');
    const marker = lines.findIndex((l) => l.startsWith('--- ['));
    assert.match(lines[marker], /^--- \[\d+ lines \(\d+ bytes\) omitted: log over 8 MiB\] ---$/);
    assert.equal(lines[marker - 1], `stdout| ${line(marker - 2).trimEnd()}`); // the file is contiguous up to the marker
    assert.equal(lines.at(-6), `stdout| ${line(n - 1).trimEnd()}`); // the last line survived in the tail
    assert.match(lines.at(-5)!, /^<== \[ok\] flood \(exit 0, [\dm.]+s\)$/);
    assert.deepEqual(lines.slice(-4), ['==> [step] after', 'info| still logged', '<== [ok] after (0.2s)', '=== build running']);
    const omitted = Number(/(\d+) lines/.exec(lines[marker])![1]);
    assert.equal(marker - 1 + omitted + (lines.length - 6 - marker), n); // every line is written, omitted or in the tail
    assert.ok(log.entries().length <= 5000);
  });
});

void describe('subscribers', () => {
  const collect = (log: BuildLog) => {
    const seen: BuildLogEntry[] = [];
    return { seen, stop: log.subscribe((entry) => seen.push(entry)) };
  };

  void it('replays to a late subscriber, then delivers live entries with consecutive seq', async () => {
    const log = newLog();
    const early = collect(log);
    log.info('one');
    log.info('two');
    const late = collect(log);
    assert.deepEqual(
      late.seen.map((e) => e.text),
      ['one', 'two'],
    );
    await log.step(
      's',
      now(() => log.output('stdout', Buffer.from('out\n'))),
    );
    await log.finish({ status: 'running' });
    assert.deepEqual(
      late.seen.map((e) => e.seq),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(late.seen, early.seen);
    assert.deepEqual(late.seen, log.entries());
    const afterFinish = collect(log);
    assert.deepEqual(afterFinish.seen, log.entries());
  });

  void it('starts a replay with one truncated entry when the memory ring dropped entries', async () => {
    const log = newLog({ maxMemoryEntries: 3 });
    for (let i = 1; i <= 10; i++) log.info(`m${i}`);
    const late = collect(log);
    log.info('m11');
    await log.finish({ status: 'running' });
    assert.deepEqual(
      late.seen.map((e) => [e.seq, e.kind]),
      [
        [7, 'truncated'],
        [8, 'info'],
        [9, 'info'],
        [10, 'info'],
        [11, 'info'],
        [12, 'result'],
      ],
    );
    assert.match(late.seen[0].text, /^7 earlier log entries/);
    assert.equal(log.entries().length, 3);
  });

  void it('keeps the build and other listeners going when a listener throws, or logs and subscribes re-entrantly', async () => {
    const log = newLog();
    log.subscribe(() => {
      throw new Error('listener bug');
    });
    const a = collect(log);
    let nested: ReturnType<typeof collect> | undefined;
    log.subscribe((entry) => {
      if (entry.text === 'trigger') {
        log.warn('from listener');
        nested = collect(log);
      }
    });
    const b = collect(log);
    log.info('trigger');
    await log.step(
      's',
      now(() => log.output('stdout', Buffer.from('x\n'))),
    );
    a.stop();
    log.info('after a stopped');
    await log.finish({ status: 'running' });
    assert.deepEqual(
      b.seen.map((e) => e.seq),
      log.entries().map((e) => e.seq),
    );
    assert.deepEqual(b.seen.map((e) => e.text).slice(0, 2), ['trigger', 'from listener']);
    assert.deepEqual(nested!.seen, b.seen);
    assert.deepEqual(a.seen, b.seen.slice(0, 5));
  });
});
