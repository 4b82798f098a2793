import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DaemonEvent, WorkspaceView } from '../../src/api/views';
import { CLI, sleep, waitFor } from '../support/cliSandbox';
import { docker, dockerExec } from '../support/docker';
import { createRunning, policyDaemons, startDaemon } from '../support/daemonProcess';
import { buildTestImage, removeImage } from '../support/testImage';

/**
 * Drydock inside the workspace, end to end: a busybox image (nothing but
 * /bin/sh and its applets), a real backend process, and the `drydock` command
 * the build put in the container, run there the way a user would.
 */
const IMAGE = 'drydock-test/inside:1';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A shell command inside the workspace's container, as its user unless told. */
function inside(name: string, command: string, user = 'dev'): Run {
  const run = spawnSync('docker', ['exec', '-u', user, `drydock-${name}`, '/bin/sh', '-c', command], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The same, without waiting: resolves when it ends. */
function insideAsync(name: string, command: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('docker', ['exec', '-u', 'dev', `drydock-${name}`, '/bin/sh', '-c', command]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Starts `drydock keepalive -- CMD` in the background; its shell's pid lands in /tmp/keepalive.pid. */
function keepaliveInBackground(name: string, command: string): void {
  docker(['exec', '-d', '-u', 'dev', `drydock-${name}`, '/bin/sh', '-c', `drydock keepalive -- ${command} & echo $! > /tmp/keepalive.pid; wait`]);
}

/** A request written by hand into the control folder (what a forger would do), and the answer it got. */
function rawRequest(name: string, fields: string, tokenCommand = 'cat ~/.config/drydock/token'): string {
  const id = `forged${Date.now()}`;
  const script = `printf '${fields}\\ntoken=%s\\n' "$(${tokenCommand})" > /run/drydock/.t-${id} && mv /run/drydock/.t-${id} /run/drydock/req-${id}
i=0; while [ ! -f /run/drydock/ans-${id} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; cat /run/drydock/ans-${id}`;
  return dockerExec(`drydock-${name}`, script, 'dev');
}

const busyInside = (view: WorkspaceView, holder: string): boolean => (view.busy ?? []).some((lease) => lease.holder === holder && lease.inside);

const isFor = (name: string, type: DaemonEvent['type']) => (event: DaemonEvent) =>
  event.type === type && 'workspace' in event && (typeof event.workspace === 'string' ? event.workspace : event.workspace?.name) === name;

void describe('drydock inside the workspace (busybox image, real backend)', () => {
  const { workspace, daemonWith, own, cleanUp } = policyDaemons();

  before(() => buildTestImage(IMAGE));
  after(async () => {
    await cleanUp();
    removeImage(IMAGE);
  });

  void it('keeps a workspace running while `keepalive -- sleep` runs past the threshold (renewing a lease shorter than it), and auto-off comes after it ends', async () => {
    // Threshold 4 s, leases capped at 6 s: without renewals the lease would lapse long before the 14 s command ends.
    const daemon = await daemonWith({ autoOff: { default: '4s', warnBefore: [], maxLease: '6s' } });
    const name = workspace('keep');
    await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
    const started = Date.now();
    const keepalive = insideAsync(name, 'drydock keepalive -- sh -c "sleep 14; echo finished; exit 3"');
    const held = await waitFor('the lease from inside', 10_000, async () => {
      const view = await daemon.workspace(name);
      return busyInside(view, 'sh -c sleep 14; echo finished; exit 3') ? view : undefined;
    });
    assert.equal(held.state, 'running');
    await sleep(Math.max(0, started + 10_000 - Date.now()));
    const midway = await daemon.workspace(name);
    assert.equal(midway.state, 'running', 'still running 10 s in: past the 4 s threshold and past one 6 s lease');

    const ended = await keepalive;
    assert.equal(ended.status, 3, `keepalive exits with the command's code (stderr: ${ended.stderr})`);
    assert.match(ended.stdout, /finished/);
    const stopped = await daemon.waitForEvent(isFor(name, 'auto-stopped'), 30_000);
    assert.ok(stopped);
    // Measured from before the exec started, not from when `docker exec` was seen to close (that lags the
    // release by up to seconds on a loaded machine): the 14 s command, then the 4 s threshold from its release.
    const sinceStart = Date.now() - started;
    assert.ok(sinceStart >= 18_000, `auto-off came ${sinceStart} ms after the command started: sooner than its 14 s plus a 4 s threshold after its release`);
    assert.equal((await daemon.workspace(name)).state, 'off');
  });

  void it('releases the lease at once when the keepalive is killed, and shows it with its command until then (CLI status)', async () => {
    const daemon = await daemonWith({ autoOff: { default: '1h' } });
    const name = workspace('killed');
    await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
    keepaliveInBackground(name, 'sleep 300');
    await waitFor('the lease from inside', 10_000, async () => busyInside(await daemon.workspace(name), 'sleep 300'));

    const status = spawnSync(process.execPath, [CLI, 'status', name], { env: { ...process.env, DRYDOCK_STATE_DIR: daemon.stateDir }, encoding: 'utf8' });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /Busy:\s+sleep 300, \d+ s \(inside\)/);
    const fromInside = inside(name, 'drydock status');
    assert.equal(fromInside.status, 0, fromInside.stderr);
    assert.match(fromInside.stdout, /Busy:\s+sleep 300, \d+ s/);

    // The lease's time-to-live is 2 min: a release within seconds is the pipe closing, not the lease lapsing.
    const killedAt = Date.now();
    dockerExec(`drydock-${name}`, 'kill -9 "$(cat /tmp/keepalive.pid)"', 'dev');
    await waitFor('the lease to be released', 10_000, async () => ((await daemon.workspace(name)).busy ?? []).length === 0);
    assert.ok(Date.now() - killedAt < 10_000);
    assert.equal((await daemon.workspace(name)).state, 'running');
  });

  void it('honours extend within the policy and refuses it beyond, with the reason', async () => {
    const daemon = await daemonWith({ autoOff: { default: '1h', maxExtension: '3h' } });
    const name = workspace('extend');
    await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });

    const ok = inside(name, 'drydock extend 2h30m');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /stops at \d\d:\d\d/);
    const extended = Date.parse((await daemon.workspace(name)).deadline ?? '');
    assert.ok(extended - Date.now() > 2 * 3_600_000 + 25 * 60_000, `deadline ${new Date(extended).toISOString()} is 2h30m away`);

    const refused = inside(name, 'drydock extend 5h');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /at most 3h at a time \(maxExtension\)/);
    assert.equal(Date.parse((await daemon.workspace(name)).deadline ?? ''), extended, 'a refused extension changes nothing');

    // --until reads the container's own clock (UTC here): 2h50m from now, within the 3h allowed.
    const target = new Date(Date.now() + 170 * 60_000);
    const hhmm = `${String(target.getUTCHours()).padStart(2, '0')}:${String(target.getUTCMinutes()).padStart(2, '0')}`;
    const until = inside(name, `drydock extend --until ${hhmm}`);
    assert.equal(until.status, 0, until.stderr);
    const deadline = Date.parse((await daemon.workspace(name)).deadline ?? '');
    assert.ok(Math.abs(deadline - target.getTime()) < 61_000, `deadline ${new Date(deadline).toISOString()} is ${hhmm} UTC`);

    const status = inside(name, 'drydock status');
    assert.match(status.stdout, /Extend:\s+by at most 3h at a time/);
    assert.match(status.stdout, /Time left:\s+2 h \d\d min/);
    const beat = inside(name, 'drydock heartbeat');
    assert.equal(beat.status, 0, beat.stderr);
  });

  void it('refuses a forged request for another workspace, and another workspace token', async () => {
    const daemon = await daemonWith({ autoOff: { default: '1h' } });
    const mine = workspace('mine');
    const theirs = workspace('theirs');
    await createRunning(daemon, { name: mine, image: IMAGE, pullPolicy: 'never' });
    await createRunning(daemon, { name: theirs, image: IMAGE, pullPolicy: 'never' });
    const before = (await daemon.workspace(theirs)).deadline;

    const forged = rawRequest(mine, `v=1\\nworkspace=${theirs}\\nop=extend\\nby=2h`);
    assert.match(forged, /^code=1$/m);
    assert.match(forged, new RegExp(`drydock acts on ${mine} only, never on ${theirs}`));
    assert.equal((await daemon.workspace(theirs)).deadline, before, 'the other workspace was not touched');

    // Their token, carried into my folder: refused too (a folder serves one workspace, one build's token).
    const theirToken = dockerExec(`drydock-${theirs}`, 'cat ~/.config/drydock/token', 'dev');
    const borrowed = rawRequest(mine, `v=1\\nworkspace=${mine}\\nop=heartbeat`, `echo ${theirToken}`);
    assert.match(borrowed, /^code=1$/m);
    assert.match(borrowed, /token is not this build's/);
  });

  void it("refuses the previous build's token after a rebuild; the new build's works", async () => {
    const daemon = await daemonWith({ autoOff: { default: '1h' } });
    const name = workspace('rotate');
    await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
    const oldToken = dockerExec(`drydock-${name}`, 'cat ~/.config/drydock/token', 'dev');
    assert.match(inside(name, 'drydock heartbeat').stdout, /stops at/);

    const { buildId } = await daemon.client.rebuild(name);
    await daemon.waitForEvent(
      (event) =>
        event.type === 'workspace' && event.workspace.name === name && event.workspace.lastBuild?.buildId === buildId && event.workspace.state === 'running',
      60_000,
    );
    const newToken = dockerExec(`drydock-${name}`, 'cat ~/.config/drydock/token', 'dev');
    assert.notEqual(newToken, oldToken);
    const stale = rawRequest(name, `v=1\\nworkspace=${name}\\nop=heartbeat`, `echo ${oldToken}`);
    assert.match(stale, /^code=1$/m);
    assert.match(stale, /token is not this build's/);
    const fresh = inside(name, 'drydock status');
    assert.equal(fresh.status, 0, fresh.stderr);
    // The token never reaches the backend's log or state file.
    const logs = ['daemon.log', 'state.json'].map((file) => readFileSync(join(daemon.stateDir, file), 'utf8')).join('\n');
    assert.ok(!logs.includes(newToken) && !logs.includes(oldToken), 'no token in daemon.log or state.json');
  });

  void it('mounts the drydock command read-only, the current one on every build, and removes it with the workspace', async () => {
    const daemon = await daemonWith({ autoOff: { default: '1h' } });
    const name = workspace('command');
    await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
    const onHost = join(daemon.stateDir, 'inside', `${name}.drydock`);
    const path = dockerExec(`drydock-${name}`, 'command -v drydock', 'dev');
    assert.equal(dockerExec(`drydock-${name}`, `cat ${path}`, 'dev'), readFileSync(onHost, 'utf8').trim(), 'the container runs the file the backend wrote');
    // Not even the container's root can change it: it is the build's, not the workspace's.
    const write = spawnSync('docker', ['exec', '-u', '0', `drydock-${name}`, '/bin/sh', '-c', `echo 'echo hijacked' > ${path}`], { encoding: 'utf8' });
    assert.notEqual(write.status, 0, 'root inside the container wrote to the mounted command');
    assert.match(write.stderr, /read-only/i);
    assert.equal(inside(name, 'drydock status').status, 0);

    const { buildId } = await daemon.client.rebuild(name);
    await daemon.waitForEvent(
      (event) =>
        event.type === 'workspace' && event.workspace.name === name && event.workspace.lastBuild?.buildId === buildId && event.workspace.state === 'running',
      60_000,
    );
    assert.equal(dockerExec(`drydock-${name}`, `cat ${path}`, 'dev'), readFileSync(onHost, 'utf8').trim());
    assert.equal(inside(name, 'drydock status').status, 0, 'the rebuilt workspace reaches the backend with its new token');

    await daemon.client.deleteWorkspace(name);
    await waitFor('the command file to go with the workspace', 5_000, () => (existsSync(onHost) ? undefined : true));
  });

  void it('keeps a lease held from inside across a backend restart, and still releases it when its holder dies', async () => {
    const first = await daemonWith({ autoOff: { default: '4s', warnBefore: [] } });
    const name = workspace('restart');
    await createRunning(first, { name, image: IMAGE, pullPolicy: 'never' });
    keepaliveInBackground(name, 'sleep 300');
    await waitFor('the lease from inside', 10_000, async () => busyInside(await first.workspace(name), 'sleep 300'));

    await first.stop();
    // Down for longer than the threshold: without the kept lease the restarted backend would stop it at once.
    await sleep(6000);
    const second = await startDaemon(first.stateDir);
    own(second);
    await sleep(8000);
    const view = await second.workspace(name);
    assert.equal(view.state, 'running', 'still running 8 s after the restart, well past its 4 s threshold');
    assert.ok(busyInside(view, 'sleep 300'), `the lease is shown after the restart: ${JSON.stringify(view.busy)}`);

    dockerExec(`drydock-${name}`, 'kill -9 "$(cat /tmp/keepalive.pid)"', 'dev');
    await second.waitForEvent(isFor(name, 'auto-stopped'), 30_000);
    assert.equal((await second.workspace(name)).state, 'off');
  });
});
