/**
 * The CLI (dist/cli.js) when things go wrong or could: a backend that stops or
 * dies under a running build, a socket this user may not open, commands that
 * would lose work without asking, and arguments meant for a command, not for
 * drydock. Real processes, each sandbox with a state dir (and backend) of its
 * own, against the real Docker engine.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { skipUnlessCI } from '../support/skips';
import { CLI, CliSandbox, pidExited as exited, waitFor, type CliRun } from '../support/cliSandbox';
import { docker, dockerExec } from '../support/docker';
import { buildTestImage, removeImage } from '../support/testImage';

/** A busybox image whose /coder/configure sleeps for CONFIGURE_SECONDS when the workspace env asks. */
const IMAGE = 'drydock-test/cli-faults:1';
const CONFIGURE = `#!/bin/sh
case "$CONFIGURE_MODE" in
  sleep) echo "configure sleeping"; sleep "$CONFIGURE_SECONDS"; echo "configure slept" ;;
esac
exit 0
`;

type Run = CliRun;

/** A CLI process still running: its output so far, and its end. */
interface Running {
  child: ChildProcess;
  stdout: () => string;
  exited: Promise<Run>;
}

/** A sandbox whose CLI runs in the background (spawn), so a test can act while it runs. */
class Sandbox extends CliSandbox {
  /** `drydock ARGS...` started as a user types it, stdin a pipe (never a TTY); `prefix` runs it through another program (setpriv). */
  start(args: string[], prefix: string[] = []): Running {
    const [program = process.execPath, ...programArgs] = [...prefix, process.execPath, CLI, ...args];
    const child = spawn(program, programArgs, { env: { ...process.env, DRYDOCK_STATE_DIR: this.dir }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin?.end();
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<Run>((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('error', reject);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
    return { child, stdout: () => stdout, exited };
  }

  cli(args: string[], prefix: string[] = []): Promise<Run> {
    return this.start(args, prefix).exited;
  }

  async ok(args: string[]): Promise<Run> {
    const run = await this.cli(args);
    assert.equal(run.status, 0, `drydock ${args.join(' ')} exited ${run.status}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    return run;
  }

  /** Waits until the live build of `name` prints `text` (its /coder/configure runs). */
  async buildReached(name: string, text: string): Promise<void> {
    const following = new AbortController();
    const timer = setTimeout(() => following.abort(), 60_000);
    let reached = false;
    await this.client.followBuild(
      name,
      ({ event, data }) => {
        if (event === 'message' && data.kind === 'output' && data.text === text) {
          reached = true;
          following.abort();
        }
      },
      following.signal,
    );
    clearTimeout(timer);
    assert.ok(reached, `the build of ${name} printed "${text}"`);
  }

  override async stopDaemon(): Promise<void> {
    const pid = (await this.health())?.pid;
    if (pid === undefined) return;
    process.kill(pid, 'SIGTERM');
    await waitFor(`backend ${pid} to exit`, 60_000, () => exited(pid));
  }
}

function containersOf(name: string): string[] {
  const names = docker(['ps', '-a', '--filter', `label=dev.drydock.workspace=${name}`, '--format', '{{.Names}}']);
  return names ? names.split('\n').sort() : [];
}

void describe('the CLI when things go wrong', () => {
  before(() => {
    buildTestImage(IMAGE, { files: { '/coder/configure': { content: CONFIGURE, mode: 0o755 } } });
  });

  after(() => {
    removeImage(IMAGE);
  });

  void describe('arguments, confirmations and permissions', () => {
    const sandbox = new Sandbox();
    const name = sandbox.workspace('args');
    before(async () => {
      await sandbox.ok(['create', name, '--image', IMAGE, '--pull', 'never']);
    });
    after(() => sandbox.cleanup());

    void it('exec: what follows -- is the command’s, -h included', async () => {
      const run = await sandbox.cli(['exec', name, '--', 'ls', '-h', '/']);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /^etc$/m, 'ls listed /');
      assert.doesNotMatch(run.stdout, /Usage|drydock/);
      const help = await sandbox.cli(['exec', name, '--', 'sh', '-c', 'echo "got $0"', '--help']);
      assert.equal(help.status, 0, help.stderr);
      assert.equal(help.stdout, 'got --help\n');
    });

    void it('keepalive: what follows -- is the command’s, and its exit code is the command’s', async () => {
      const run = await sandbox.cli(['keepalive', name, '--', 'sh', '-c', 'echo "got $0"; exit 3', '-h']);
      assert.equal(run.status, 3, run.stderr);
      assert.equal(run.stdout, 'got -h\n');
    });

    void it('rebuild off a terminal without --yes refuses when changes outside home would be lost', async () => {
      const before = await sandbox.view(name);
      dockerExec(`drydock-${name}`, 'echo mine > /tmp/outside-home');
      const refused = await sandbox.cli(['rebuild', name]);
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, /pass --yes/);
      assert.match(refused.stderr, /\/tmp\/outside-home/);
      const after = await sandbox.view(name);
      assert.equal(after.lastBuild?.buildId, before.lastBuild?.buildId, 'nothing was rebuilt');
      assert.equal(after.containerId, before.containerId);
      assert.equal(dockerExec(`drydock-${name}`, 'cat /tmp/outside-home'), 'mine');

      const all = await sandbox.cli(['rebuild', '--all']);
      assert.equal(all.status, 2, all.stderr);
      assert.match(all.stderr, /pass --yes/);
      assert.equal((await sandbox.view(name)).lastBuild?.buildId, before.lastBuild?.buildId, 'nothing was rebuilt by --all');
    });

    void it('rebuild off a terminal without --yes goes ahead when nothing outside home would be lost', async () => {
      await sandbox.ok(['rebuild', name, '--yes']);
      assert.deepEqual(await sandbox.client.rebuildSafety(name), { changes: [], more: 0 }, 'a fresh build has no changes outside home');
      const before = await sandbox.view(name);
      const rebuilt = await sandbox.ok(['rebuild', name]);
      assert.match(rebuilt.stdout, /^=== build running/m);
      assert.notEqual((await sandbox.view(name)).lastBuild?.buildId, before.lastBuild?.buildId);
    });

    void it('a socket this user may not open is named, not blamed on a stopped backend', async (t) => {
      const socket = sandbox.locations.socketPath;
      await sandbox.pid();
      // A real EACCES: root opens any socket, so the CLI runs as nobody, who may pass through the folders but not open the socket (0600, root's).
      const asRoot = process.getuid?.() === 0;
      if (asRoot) {
        chmodSync(sandbox.dir, 0o711);
        chmodSync(sandbox.locations.socketDir, 0o711);
      } else {
        chmodSync(socket, 0o000);
      }
      t.after(() => {
        chmodSync(sandbox.dir, 0o700);
        chmodSync(sandbox.locations.socketDir, 0o700);
        chmodSync(socket, 0o600);
      });
      const run = await sandbox.cli(['ls'], asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : []);
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /exists but this user .*may not open it/);
      assert.ok(run.stderr.includes(socket), `names ${socket}: ${run.stderr}`);
      assert.match(run.stderr, /EACCES|permission/i);
      assert.doesNotMatch(run.stderr, /daemon start/);
    });

    void it('rm of a running workspace on a terminal asks first, naming what is lost; no keeps it', async (t) => {
      if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0) {
        skipUnlessCI(t, 'util-linux script (to give the CLI a terminal) is not installed');
        return;
      }
      // script(1) runs the CLI on a pseudo-terminal and passes our answer to it.
      const child = spawn('script', ['-qec', `'${process.execPath}' '${CLI}' rm ${name}`, '/dev/null'], {
        env: { ...process.env, DRYDOCK_STATE_DIR: sandbox.dir },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const status = new Promise<number | null>((resolve) => child.on('close', resolve));
      await waitFor('rm to ask', 30_000, () => output.includes('[y/N]'));
      child.stdin.end('n\n');
      assert.equal(await status, 1, output);
      assert.match(
        output,
        new RegExp(`${name} is running: rm removes its container and every change made outside home \\(home, drydock-${name}-home, is kept\\)`),
      );
      assert.match(output, /not deleted; nothing was changed/);
      assert.equal((await sandbox.view(name)).state, 'running', 'the workspace is still there');
    });

    void it('rm of a running workspace off a terminal needs --yes', async () => {
      const running = await sandbox.view(name);
      assert.equal(running.state, 'running');
      const refused = await sandbox.cli(['rm', name]);
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, /pass --yes/);
      assert.match(refused.stderr, /outside home/);
      assert.equal((await sandbox.view(name)).state, 'running', 'the workspace is still there');
      assert.deepEqual(containersOf(name), [`drydock-${name}`]);

      await sandbox.ok(['rm', name, '--yes']);
      assert.deepEqual(containersOf(name), []);
    });

    void it('rm of a workspace that is off needs no --yes (nothing but its record goes)', async () => {
      const off = sandbox.workspace('off');
      await sandbox.ok(['create', off, '--image', IMAGE, '--pull', 'never']);
      await sandbox.ok(['stop', off]);
      await sandbox.ok(['rm', off]);
      assert.deepEqual(JSON.parse((await sandbox.ok(['ls', '--json'])).stdout), []);
    });
  });

  void describe('a backend that stops or dies under a build', () => {
    const sandbox = new Sandbox();
    const name = sandbox.workspace('fault');
    before(async () => {
      await sandbox.ok(['create', name, '--image', IMAGE, '--pull', 'never']);
    });
    after(() => sandbox.cleanup());

    void it('daemon stop waits for the running build and the backend’s exit, and says what it waited for; the follower says the backend went away', async () => {
      // Every build of this workspace now sleeps 4 s in /coder/configure.
      const first = await sandbox.client.rebuild(name, { env: { CONFIGURE_MODE: 'sleep', CONFIGURE_SECONDS: '4' } });
      const built = await waitFor(`build ${first.buildId} to end`, 60_000, async () => {
        const { lastBuild } = await sandbox.view(name);
        return lastBuild?.buildId === first.buildId && lastBuild.status !== 'building' ? lastBuild : undefined;
      });
      assert.equal(built.status, 'running', built.message);

      const following = sandbox.start(['rebuild', name, '--yes']);
      await waitFor('the rebuild to reach /coder/configure', 60_000, () => following.stdout().includes('configure sleeping'));
      const pid = await sandbox.pid();
      const building = (await sandbox.view(name)).lastBuild?.buildId;

      const stopped = await sandbox.cli(['daemon', 'stop']);
      assert.ok(exited(pid), `backend ${pid} has exited when daemon stop returns`);
      assert.equal(await sandbox.health(), undefined, 'nothing answers on the socket');
      assert.equal(stopped.status, 0, stopped.stderr);
      assert.match(stopped.stdout, new RegExp(`waited \\d+(\\.\\d)? s for the build of ${name} to finish`));

      const follower = await following.exited;
      assert.equal(follower.status, 1, follower.stderr);
      assert.match(follower.stderr, /backend went away/);
      assert.match(follower.stderr, new RegExp(`drydock logs ${name}`));
      assert.match(follower.stderr, /drydock daemon status/);

      // The build it waited for did finish.
      await sandbox.ok(['daemon', 'start']);
      const view = await sandbox.view(name);
      assert.equal(view.lastBuild?.buildId, building);
      assert.equal(view.lastBuild?.status, 'running', view.lastBuild?.message);
    });

    void it('daemon stop with nothing running says so and returns once the backend has exited', async () => {
      await sandbox.ok(['daemon', 'start']);
      const pid = await sandbox.pid();
      const stopped = await sandbox.cli(['daemon', 'stop']);
      assert.equal(stopped.status, 0, stopped.stderr);
      assert.ok(exited(pid));
      assert.match(stopped.stdout, /The backend stopped\./);
      assert.doesNotMatch(stopped.stdout, /waited/);
    });

    void it('logs --follow says the backend went away when it is killed mid-build, and how to see the result', async () => {
      await sandbox.ok(['daemon', 'start']);
      await sandbox.client.rebuild(name, { env: { CONFIGURE_MODE: 'sleep', CONFIGURE_SECONDS: '300' } });
      await sandbox.buildReached(name, 'configure sleeping');
      const following = sandbox.start(['logs', name, '--follow']);
      await waitFor('logs --follow to print the running build', 30_000, () => following.stdout().includes('configure sleeping'));

      const pid = await sandbox.pid();
      process.kill(pid, 'SIGKILL');
      const run = await following.exited;
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /backend went away/);
      assert.match(run.stderr, new RegExp(`drydock logs ${name}`));
      assert.match(run.stderr, /drydock daemon status/);
      assert.doesNotMatch(run.stderr, /aborted/);
    });
  });
});
