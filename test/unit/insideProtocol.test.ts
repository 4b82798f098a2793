import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isDrydockError } from '../../src/core/errors';
import { insideCommandPath, insideCommandScript, insideUnavailableScript } from '../../src/core/insideCommand';
import { clockTime, formatAnswer, holderText, nextTimeAtOffset, parseInsideRequest } from '../../src/core/insideProtocol';

const TOKEN = 'ab'.repeat(32);
const request = (...lines: string[]): string => ['v=1', `token=${TOKEN}`, 'workspace=api', ...lines].join('\n');

function assertRefused(text: string, field: string): void {
  assert.throws(
    () => parseInsideRequest(text),
    (error: unknown) => isDrydockError(error, 'invalid_input') && error.field === field && !error.message.includes(TOKEN),
  );
}

void describe('the inside request protocol', () => {
  void it('reads each request the drydock command writes', () => {
    assert.deepEqual(parseInsideRequest(request('op=status', 'zone=+0130')), {
      token: TOKEN,
      workspace: 'api',
      zoneOffsetMinutes: 90,
      request: { op: 'status' },
    });
    assert.deepEqual(parseInsideRequest(request('op=extend', 'by=2h')).request, { op: 'extend', durationMs: 7_200_000 });
    assert.deepEqual(parseInsideRequest(request('op=extend', 'until=18:30')).request, { op: 'extend', untilText: '18:30' });
    assert.deepEqual(parseInsideRequest(request('op=hold', 'pipe=lease-42-1700000000', 'holder=make   test')).request, {
      op: 'hold',
      pipe: 'lease-42-1700000000',
      holder: 'make test',
    });
    assert.deepEqual(parseInsideRequest(request('op=release', 'lease=0123456789abcdef')).request, { op: 'release', lease: '0123456789abcdef' });
    assert.equal(parseInsideRequest(request('op=heartbeat', 'zone=-0500')).zoneOffsetMinutes, -300);
  });

  void it('refuses what is malformed, naming the field and never echoing the token', () => {
    assertRefused(request('op=status', 'token=x'), 'token');
    assertRefused(['v=2', `token=${TOKEN}`, 'workspace=api', 'op=status'].join('\n'), 'v');
    assertRefused(request('op=rm -rf'), 'op');
    assertRefused(request('op=status').replace('workspace=api', 'workspace=../etc'), 'workspace');
    assertRefused(request('op=hold', 'pipe=lease-../../etc/passwd', 'holder=x'), 'pipe');
    assertRefused(request('op=hold', 'pipe=/tmp/fifo', 'holder=x'), 'pipe');
    assertRefused(request('op=renew', 'lease=../x'), 'lease');
    assertRefused(request('op=extend', 'by=forever'), 'by');
    assertRefused(request('op=status', 'zone=+9900'), 'zone');
    assertRefused(request('op=status', 'no equals sign'), 'request');
    // A second `workspace=` smuggled in through a field is refused, not read last-wins.
    assertRefused(request('op=status', 'workspace=other'), 'workspace');
  });

  void it('writes answers the command can print safely: one field per line, text lines prefixed, control characters neutralised', () => {
    assert.equal(formatAnswer(0, ['one\ntwo', 'bell\u0007'], { lease: 'abc' }), 'code=0\nlease=abc\n| one\n| two\n| bell?\n');
    assert.equal(formatAnswer(1, []), 'code=1\n');
    assert.equal(holderText('make\ttest\u001b[31m'), 'make test?[31m');
    assert.equal(holderText('x'.repeat(300)).length, 120);
  });

  void it('reads --until on the container clock: today, or tomorrow once passed', () => {
    const now = Date.parse('2026-03-10T16:00:00Z');
    // 18:30 at +0100 is 17:30 UTC, still today.
    assert.equal(nextTimeAtOffset('18:30', 60, now), Date.parse('2026-03-10T17:30:00Z'));
    // 09:00 at -0500 (14:00 UTC) has passed: tomorrow.
    assert.equal(nextTimeAtOffset('9:00', -300, now), Date.parse('2026-03-11T14:00:00Z'));
    assert.throws(() => nextTimeAtOffset('25:00', 0, now), /not a time of day/);
    assert.equal(clockTime(Date.parse('2026-03-10T17:30:00Z'), 60, now), '18:30 (+0100)');
    assert.equal(clockTime(Date.parse('2026-03-11T14:00:00Z'), -300, now), '2026-03-11 09:00 (-0500)');
  });
});

void describe('the drydock command script', () => {
  const shells = ['/bin/sh', '/bin/busybox'].filter(
    (shell) => spawnSync(shell, shell.endsWith('busybox') ? ['sh', '-c', 'true'] : ['-c', 'true']).status === 0,
  );
  const run = (shell: string, file: string, ...args: string[]) =>
    spawnSync(shell, shell.endsWith('busybox') ? ['sh', file, ...args] : [file, ...args], { encoding: 'utf8', timeout: 10_000 });

  void it('parses as POSIX sh and answers --help and bad usage without a backend', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dd-script-'));
    try {
      const file = join(dir, 'drydock');
      writeFileSync(file, insideCommandScript({ workspace: 'api', controlDir: join(dir, 'missing'), tokenFile: join(dir, 'token'), umask: '077' }));
      for (const shell of shells) {
        execFileSync(shell, shell.endsWith('busybox') ? ['sh', '-n', file] : ['-n', file]);
        const help = run(shell, file, '--help');
        assert.equal(help.status, 0);
        assert.match(help.stdout, /drydock keepalive -- CMD/);
        assert.equal(run(shell, file, 'frobnicate').status, 2);
        assert.equal(run(shell, file, 'extend').status, 2);
        const missing = run(shell, file, 'status');
        assert.equal(missing.status, 1);
        assert.match(missing.stderr, /was built without Drydock inside; rebuild it/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('goes into /usr/local/bin when that is on PATH, else the first folder of PATH', () => {
    assert.equal(insideCommandPath('/usr/local/sbin:/usr/local/bin:/usr/bin'), '/usr/local/bin/drydock');
    assert.equal(insideCommandPath('/bin'), '/bin/drydock');
    assert.equal(insideCommandPath('relative:/opt/tools/'), '/opt/tools/drydock');
    assert.equal(insideCommandPath(undefined), '/usr/local/bin/drydock');
  });

  void it('on an engine that cannot share a folder, only says why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dd-script-'));
    try {
      const file = join(dir, 'drydock');
      writeFileSync(file, insideUnavailableScript("the engine is remote (DOCKER_HOST=ssh://build-box); it's not here"));
      const result = run('/bin/sh', file, 'status');
      assert.equal(result.status, 1);
      assert.equal(result.stderr, "drydock: the engine is remote (DOCKER_HOST=ssh://build-box); it's not here\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
