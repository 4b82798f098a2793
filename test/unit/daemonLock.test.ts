import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireDaemonLock, readLockOwner, type LockOwner } from '../../src/backend/daemon/lock';

const root = mkdtempSync(join(tmpdir(), 'drydock-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const newLockFile = () => join(root, `state${++counter}`, 'daemon.lock');
const me = { version: '1.2.3', socketPath: '/run/user/1000/drydock/api.sock' };

/** The pid of a process that has exited. */
function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid ?? 0));
  });
}

function acquired(result: ReturnType<typeof acquireDaemonLock>): () => void {
  assert.ok(result.acquired, 'expected to acquire the lock');
  return result.release;
}

void describe('acquireDaemonLock', () => {
  void it('first acquire succeeds, writes our owner, 0600 in a 0700 folder; release removes it', () => {
    const lockFile = newLockFile();
    const release = acquired(acquireDaemonLock(lockFile, me));
    const owner = readLockOwner(lockFile);
    assert.equal(owner?.pid, process.pid);
    assert.equal(owner?.version, '1.2.3');
    assert.equal(owner?.socketPath, me.socketPath);
    assert.match(owner?.startedAt ?? '', /^\d{4}-\d\d-\d\dT/);
    if (process.platform !== 'win32') {
      assert.equal(statSync(lockFile).mode & 0o777, 0o600);
      assert.equal(statSync(join(lockFile, '..')).mode & 0o777, 0o700);
    }
    assert.deepEqual(readdirSync(join(lockFile, '..')), ['daemon.lock'], 'no temp files left');
    release();
    assert.equal(existsSync(lockFile), false);
    release(); // idempotent
  });

  void it('a second acquire while the owner is alive fails and reports the owner', () => {
    const lockFile = newLockFile();
    const release = acquired(acquireDaemonLock(lockFile, me));
    const seen: number[] = [];
    const second = acquireDaemonLock(lockFile, { version: '9.9.9', socketPath: '/other.sock' }, (pid) => (seen.push(pid), true));
    assert.equal(second.acquired, false);
    assert.ok(!second.acquired);
    assert.equal(second.owner.pid, process.pid);
    assert.equal(second.owner.version, '1.2.3');
    assert.deepEqual(seen, [process.pid]);
    assert.equal(readLockOwner(lockFile)?.version, '1.2.3', 'the loser did not touch the lock');
    release();
  });

  void it('takes over a stale lock whose process has exited (default liveness check)', async () => {
    const lockFile = newLockFile();
    const stale: LockOwner = { pid: await deadPid(), version: '0.0.1', socketPath: '/old.sock', startedAt: '2026-01-01T00:00:00.000Z' };
    mkdirSync(dirname(lockFile), { recursive: true });
    writeFileSync(lockFile, JSON.stringify(stale));
    const release = acquired(acquireDaemonLock(lockFile, me));
    assert.equal(readLockOwner(lockFile)?.pid, process.pid);
    release();
    assert.equal(existsSync(lockFile), false);
  });

  void it('takes over an empty or garbled lock (a crash mid-write)', () => {
    for (const content of ['', '{"pid": 12', 'null', '{"pid": 0, "version": "x", "socketPath": "s", "startedAt": "t"}']) {
      const lockFile = newLockFile();
      mkdirSync(dirname(lockFile), { recursive: true });
      writeFileSync(lockFile, content);
      assert.equal(readLockOwner(lockFile), undefined);
      const release = acquired(acquireDaemonLock(lockFile, me, () => true));
      assert.equal(readLockOwner(lockFile)?.pid, process.pid, `took over ${JSON.stringify(content)}`);
      release();
    }
  });

  void it('release leaves a lock that another instance took over', async () => {
    const lockFile = newLockFile();
    const release = acquired(acquireDaemonLock(lockFile, me));
    const other: LockOwner = { pid: await deadPid(), version: '2.0.0', socketPath: '/x.sock', startedAt: new Date().toISOString() };
    writeFileSync(lockFile, JSON.stringify(other));
    release();
    assert.deepEqual(JSON.parse(readFileSync(lockFile, 'utf8')), other);
  });

  void it('readLockOwner is undefined for a missing file', () => {
    assert.equal(readLockOwner(join(root, 'nope', 'daemon.lock')), undefined);
  });
});
