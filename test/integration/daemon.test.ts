/**
 * The per-user backend as users run it: the built bundles (dist/backend.js,
 * dist/cli.js) as real processes, each group with a state dir (and socket) of
 * its own, against the real Docker engine.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { endpoints, pathFor } from '../../src/api/endpoints';
import type { ApiErrorBody, DaemonEvent, WorkspaceView } from '../../src/api/views';
import { PrivateEngine } from '../support/privateEngine';
import { skipOutsideCI, skipUnlessCI } from '../support/skips';
import { CLI, CliSandbox, sleep, waitFor, type CliRun } from '../support/cliSandbox';
import { docker, dockerExec, uniqueName } from '../support/docker';
import { buildTestImage, removeImage } from '../support/testImage';

const root = join(__dirname, '../../..');
const BACKEND = join(root, 'dist/backend.js');

/** A busybox image whose /coder/configure hangs (long enough to kill the backend mid-build) when the workspace env asks. */
const IMAGE = 'drydock-test/daemon:1';
const CONFIGURE = `#!/bin/sh
case "$CONFIGURE_MODE" in
  hang) echo "configure started"; sleep 600 ;;
esac
exit 0
`;

type Run = CliRun;

interface RawAnswer {
  status: number;
  body: ApiErrorBody;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One HTTP request over the socket, for what no client sends (broken JSON,
 * huge or streamed bodies, unknown fields, a wrong method), answering the HTTP
 * status too, which the client's transport folds into its error.
 */
function raw(
  socketPath: string,
  method: string,
  path: string,
  body?: string | Buffer | Buffer[],
  /** A header given as undefined is not sent (the content-type is JSON unless told). */
  headers: Record<string, string | number | undefined> = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const all: Record<string, string | number | undefined> = { 'content-type': 'application/json', ...headers };
    const sent = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined)) as Record<string, string | number>;
    const request = httpRequest({ socketPath, method, path, headers: sent });
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApiErrorBody }));
      response.on('error', reject);
    });
    // The server may answer (413) and close before the whole body is sent: the answer is what counts.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (Array.isArray(body)) {
      for (const chunk of body) request.write(chunk);
      request.end();
    } else {
      request.end(body);
    }
  });
}

/** A sandbox whose CLI runs to its end (spawnSync), stdin a pipe. */
class Sandbox extends CliSandbox {
  /** `drydock ARGS...` as a user types it; stdin is `input` (a pipe, never a TTY). */
  cli(args: string[], input = ''): Run {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: this.env, input, encoding: 'utf8', timeout: 120_000 });
    if (result.error) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** Like cli(), but the command must exit 0. */
  ok(args: string[], input = ''): Run {
    const run = this.cli(args, input);
    assert.equal(run.status, 0, `drydock ${args.join(' ')} exited ${run.status}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    return run;
  }

  /** `drydock daemon stop`, then SIGTERM to whatever still answers; returns once nothing does. */
  override async stopDaemon(): Promise<void> {
    const pid = (await this.health())?.pid;
    if (pid === undefined) return;
    this.cli(['daemon', 'stop']);
    if (alive(pid) && (await this.health())) process.kill(pid, 'SIGTERM');
    await waitFor(`backend ${pid} to stop`, 30_000, async () => !(await this.health()));
  }
}

function containersOf(name: string): string[] {
  const names = docker(['ps', '-a', '--filter', `label=dev.drydock.workspace=${name}`, '--format', '{{.Names}}']);
  return names ? names.split('\n').sort() : [];
}

function volumesOf(name: string): string[] {
  const names = docker(['volume', 'ls', '-q', '--filter', `label=dev.drydock.workspace=${name}`]);
  return names ? names.split('\n').sort() : [];
}

/** Whether the system's engine answers (DOCKER_HOST of this test process, never a private engine's). */
function dockerAnswers(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

/** Whether this network namespace (the host's) has docker0: a `--bridge none` engine outside a namespace of its own deletes it. */
function hostHasDocker0(): boolean {
  return existsSync('/sys/class/net/docker0');
}

void describe('the Drydock backend as real processes', () => {
  before(() => {
    buildTestImage(IMAGE, { files: { '/coder/configure': { content: CONFIGURE, mode: 0o755 } } });
  });

  after(() => {
    removeImage(IMAGE);
  });

  void describe('the command as npm links it (dist/cli.js run itself)', () => {
    const sandbox = new Sandbox();
    after(() => sandbox.cleanup());

    void it('starts without NODE_EXTRA_CA_CERTS and gives it back to the backend it starts', () => {
      // Holds no certificates: a Node started with it says so on stderr, the backend into its log.
      const caBundle = join(sandbox.dir, 'no-such-ca-bundle.pem');
      const listed = spawnSync(CLI, ['ls'], { env: { ...sandbox.env, NODE_EXTRA_CA_CERTS: caBundle }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(listed.status, 0, listed.stderr);
      assert.match(listed.stderr, /Starting the Drydock backend/);
      assert.doesNotMatch(listed.stderr, /extra certs/, 'the CLI itself started without the variable');
      const log = readFileSync(sandbox.locations.daemonLog, 'utf8');
      assert.ok(log.includes(`Ignoring extra certs from \`${caBundle}\``), `the backend did not get NODE_EXTRA_CA_CERTS:\n${log.slice(0, 2000)}`);
    });
  });

  void describe('the CLI end to end', () => {
    const sandbox = new Sandbox();
    const name = sandbox.workspace('cli');
    after(() => sandbox.cleanup());

    void it('starts the backend on the first command and creates a workspace, printing the build log', () => {
      assert.equal(sandbox.cli(['daemon', 'status']).status, 1, 'no backend runs before the first command');
      const created = sandbox.ok(['create', name, '--image', IMAGE, '--pull', 'never']);
      for (const step of ['Resolve image', 'Prepare home volume', 'Replace container', 'Inject secrets', 'Run /coder/configure', 'Personalize: dotfiles']) {
        assert.match(created.stdout, new RegExp(`^==> ${step}$`, 'm'));
      }
      assert.match(created.stdout, /^=== build running/m);
      assert.match(created.stderr, /Starting the Drydock backend/);
      const status = sandbox.ok(['daemon', 'status']);
      assert.match(status.stdout, /^running: version \S+, pid \d+/m);
      assert.match(status.stdout, /^Docker: answers at /m);
    });

    void it('lists it running: ls, ls --json and status --json', () => {
      assert.match(sandbox.ok(['ls']).stdout, new RegExp(`^${name}\\s+running\\s+${IMAGE.replace(/[.]/g, '\\.')}\\s`, 'm'));
      const listed = JSON.parse(sandbox.ok(['ls', '--json']).stdout) as WorkspaceView[];
      assert.deepEqual(
        listed.map((workspace) => [workspace.name, workspace.state]),
        [[name, 'running']],
      );
      const status = JSON.parse(sandbox.ok(['status', name, '--json']).stdout) as WorkspaceView;
      assert.equal(status.state, 'running');
      assert.equal(status.lastBuild?.status, 'running');
      assert.equal(status.containerId, docker(['inspect', '-f', '{{.Id}}', `drydock-${name}`]));
    });

    void it('exec keeps stdout and stderr apart and exits with the command’s code', () => {
      const run = sandbox.cli(['exec', name, '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
      assert.equal(run.status, 7, run.stderr);
      assert.equal(run.stdout, 'out\n');
      assert.equal(run.stderr, 'err\n');
    });

    void it('exec passes piped stdin through', () => {
      const run = sandbox.ok(['exec', name, '--', 'cat'], 'hello');
      assert.equal(run.stdout, 'hello');
    });

    void it('rebuild --memory keeps home and applies the new limit', () => {
      sandbox.ok(['exec', name, '--', 'sh', '-c', 'echo kept > ~/kept.txt']);
      const rebuilt = sandbox.ok(['rebuild', name, '--yes', '--memory', '300m']);
      assert.match(rebuilt.stdout, /^=== build running/m);
      assert.equal(dockerExec(`drydock-${name}`, 'cat ~/kept.txt'), 'kept');
      assert.equal(docker(['inspect', '-f', '{{.HostConfig.Memory}}', `drydock-${name}`]), String(300 * 1024 * 1024));
      assert.equal((JSON.parse(sandbox.ok(['status', name, '--json']).stdout) as WorkspaceView).memory, '300m');
    });

    void it("ends a build's stream only once the workspace's record shows the build's end", async () => {
      for (let round = 0; round < 3; round++) {
        const started = await sandbox.client.rebuild(name);
        let result: string | undefined;
        await sandbox.client.followBuild(name, ({ event, data }) => {
          if (event === 'message' && data.kind === 'result') result = data.status;
        });
        assert.equal(result, 'running', 'the stream carried the result');
        // Read at once: no waiting, the stream's end is the promise.
        const view = await sandbox.view(name);
        assert.equal(view.lastBuild?.buildId, started.buildId);
        assert.equal(view.lastBuild?.status, 'running');
        assert.equal(view.state, 'running');
      }
    });

    void it('logs prints the last build', async () => {
      const { lastBuild } = await sandbox.view(name);
      assert.ok(lastBuild);
      const printed = sandbox.ok(['logs', name]).stdout;
      assert.equal(printed.trimEnd(), readFileSync(join(sandbox.locations.logsDir, name, `${lastBuild.buildId}.log`), 'utf8').trimEnd());
      assert.match(printed, /==> \[step\] Replace container/);
      assert.match(printed, /=== build running/);
    });

    void it('stop removes the container and keeps the home volume', () => {
      assert.match(sandbox.ok(['stop', name]).stdout, /is off/);
      assert.deepEqual(containersOf(name), []);
      assert.deepEqual(volumesOf(name), [`drydock-${name}-home`]);
      assert.equal((JSON.parse(sandbox.ok(['status', name, '--json']).stdout) as WorkspaceView).state, 'off');
    });

    void it('rm --delete-home needs --yes; rm keeps the home volume', () => {
      const refused = sandbox.cli(['rm', name, '--delete-home']);
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /--yes/);
      assert.deepEqual(volumesOf(name), [`drydock-${name}-home`], 'a refused rm changes nothing');

      sandbox.ok(['rm', name]);
      assert.deepEqual(volumesOf(name), [`drydock-${name}-home`]);
      assert.deepEqual(JSON.parse(sandbox.ok(['ls', '--json']).stdout), []);
    });

    void it('exits 2 on usage errors', () => {
      const unknown = sandbox.cli(['frobnicate']);
      assert.equal(unknown.status, 2);
      assert.match(unknown.stderr, /unknown command "frobnicate"/);
      const noImage = sandbox.cli(['create', name]);
      assert.equal(noImage.status, 2);
      assert.match(noImage.stderr, /--image is required/);
    });

    void it('exits 1 naming an unknown workspace', () => {
      const missing = uniqueName('missing');
      for (const args of [
        ['status', missing],
        ['exec', missing, '--', 'true'],
        ['logs', missing],
      ]) {
        const run = sandbox.cli(args);
        assert.equal(run.status, 1, `drydock ${args.join(' ')}`);
        assert.match(run.stderr, new RegExp(`no workspace named "${missing}"`));
      }
    });

    void it('a second backend exits 0 at once, naming the running one', async () => {
      const pid = await sandbox.pid();
      const started = Date.now();
      const second = spawnSync(process.execPath, [BACKEND, 'run'], { env: sandbox.env, encoding: 'utf8', timeout: 30_000 });
      assert.equal(second.status, 0, second.stderr);
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
      assert.match(second.stdout, new RegExp(`already running \\(pid ${pid}\\b`));
      assert.equal(await sandbox.pid(), pid, 'the first backend still answers');
    });

    void it('listens on a socket of mode 0600 in a folder of mode 0700', () => {
      const socket = statSync(sandbox.locations.socketPath);
      assert.ok(socket.isSocket());
      assert.equal(socket.mode & 0o777, 0o600);
      assert.equal(statSync(dirname(sandbox.locations.socketPath)).mode & 0o777, 0o700);
    });

    void it('answers bad requests with a 4xx JSON error naming the field, and stays up', async () => {
      const pid = await sandbox.pid();
      const socket = sandbox.locations.socketPath;

      const malformed = await raw(socket, 'POST', endpoints.createWorkspace.path, '{"spec": {');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 'invalid_input');
      assert.equal(malformed.body.error.field, 'body');
      assert.match(malformed.body.error.message, /not valid JSON/);

      const unknownField = await raw(socket, 'POST', endpoints.createWorkspace.path, JSON.stringify({ spec: { name: 'x', image: IMAGE }, colour: 'red' }));
      assert.equal(unknownField.status, 400);
      assert.equal(unknownField.body.error.field, 'colour');
      assert.match(unknownField.body.error.message, /colour: is not a field/);

      const huge = Buffer.alloc(1024 * 1024 + 1, 'a');
      const declared = await raw(socket, 'POST', endpoints.createWorkspace.path, huge, { 'content-length': huge.length });
      assert.equal(declared.status, 413);
      assert.equal(declared.body.error.field, 'body');
      // Without a content-length the limit holds while the body streams in.
      const streamed = await raw(
        socket,
        'POST',
        endpoints.createWorkspace.path,
        Array.from({ length: 20 }, () => Buffer.alloc(64 * 1024, 'a')),
      );
      assert.equal(streamed.status, 413);
      assert.equal(streamed.body.error.field, 'body');

      const missing = uniqueName('missing');
      const notFound = await raw(socket, 'GET', pathFor(endpoints.getWorkspace.path, { name: missing }));
      assert.equal(notFound.status, 404);
      assert.equal(notFound.body.error.code, 'not_found');
      assert.equal(notFound.body.error.field, 'name');
      assert.match(notFound.body.error.message, new RegExp(missing));

      const badName = await raw(socket, 'POST', pathFor(endpoints.rebuild.path, { name: 'Not_A_Name' }), '{}');
      assert.equal(badName.status, 400);
      assert.equal(badName.body.error.field, 'name');
      assert.match(badName.body.error.message, /Not_A_Name/);

      const wrongMethod = await raw(socket, 'PUT', endpoints.listWorkspaces.path, '{}');
      assert.equal(wrongMethod.status, 405);
      assert.match(wrongMethod.body.error.message, /PUT is not allowed on \/v1\/workspaces; use GET or POST/);

      const health = await sandbox.client.health();
      assert.equal(health.pid, pid, 'the same backend answers after the bad requests');
      assert.equal(health.status, 'ok');
    });
  });

  void describe('faults said plainly', () => {
    const sandbox = new Sandbox();
    const name = sandbox.workspace('faults');
    after(() => sandbox.cleanup());

    void it('refuses a body that is not declared JSON with 415, and a bad percent escape in a path with 400', async () => {
      sandbox.ok(['ls']); // starts the backend
      const socket = sandbox.locations.socketPath;
      const spec = JSON.stringify({ spec: { name, image: IMAGE } });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', undefined]) {
        const answer = await raw(socket, 'POST', endpoints.createWorkspace.path, spec, { 'content-type': type });
        assert.equal(answer.status, 415, `content-type ${type}`);
        assert.equal(answer.body.error.field, 'content-type');
        assert.match(answer.body.error.message, /Content-Type: application\/json/);
      }
      // Endpoints that take no body refuse a non-JSON one all the same.
      const stop = await raw(socket, 'POST', pathFor(endpoints.stop.path, { name }), 'now', { 'content-type': 'text/plain' });
      assert.equal(stop.status, 415);
      // JSON with parameters passes the type check (the unknown field is then refused), and no body needs no type.
      const charset = await raw(socket, 'POST', endpoints.createWorkspace.path, JSON.stringify({ spec: { name, image: IMAGE }, colour: 'red' }), {
        'content-type': 'Application/JSON; charset=utf-8',
      });
      assert.equal(charset.status, 400);
      assert.equal(charset.body.error.field, 'colour');
      const noBody = await raw(socket, 'POST', pathFor(endpoints.rebuild.path, { name }), undefined, { 'content-type': undefined });
      assert.equal(noBody.status, 404, JSON.stringify(noBody.body));
      assert.deepEqual(JSON.parse(sandbox.ok(['ls', '--json']).stdout), [], 'nothing was created');

      for (const segment of ['%E0%A4%A', '%zz', '%']) {
        const answer = await raw(socket, 'GET', `/v1/workspaces/${segment}`);
        assert.equal(answer.status, 400, segment);
        assert.equal(answer.body.error.field, 'name');
        assert.match(answer.body.error.message, /percent-encoded/);
      }
    });

    void it("refuses memory above the engine's and too few CPUs, naming the field, before anything is created", () => {
      sandbox.ok(['ls']);
      const memory = sandbox.cli(['create', name, '--image', IMAGE, '--pull', 'never', '--memory', '99999t']);
      assert.notEqual(memory.status, 0);
      assert.match(memory.stderr, /memory: is more than Docker's host has \(\d+\.\dg \(\d+ bytes\)\); ask for \d+g or less/);
      const cpus = sandbox.cli(['create', name, '--image', IMAGE, '--pull', 'never', '--cpus', '0.000000001']);
      assert.notEqual(cpus.status, 0);
      assert.match(cpus.stderr, /cpus: must be at least 0\.01/);
      assert.deepEqual(JSON.parse(sandbox.ok(['ls', '--json']).stdout), []);
      assert.deepEqual(volumesOf(name), []);
    });

    const logsMount = process.platform === 'linux' && process.getuid?.() === 0 ? sandbox.locations.logsDir : undefined;
    void it(
      'a build whose log cannot be written (a full disk) says so live, in `drydock logs` and in the event stream, and records its result',
      { skip: skipOutsideCI(logsMount ? undefined : 'needs root to mount a full file system on the logs folder') },
      async () => {
        sandbox.ok(['create', name, '--image', IMAGE, '--pull', 'never', '--no-build']);
        const events: DaemonEvent[] = [];
        const listening = new AbortController();
        void sandbox.client.events((event) => events.push(event), listening.signal).catch(() => undefined);
        // The feed starts with a snapshot of each workspace: then it is listening.
        await waitFor('the event stream', 10_000, () => events.some((event) => event.type === 'workspace'));
        mkdirSync(logsMount!, { recursive: true });
        const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', logsMount!], { encoding: 'utf8' });
        if (mount.status !== 0) throw new Error(`could not mount a tmpfs: ${mount.stderr}`);
        try {
          assert.throws(() => writeFileSync(join(logsMount!, 'filler'), Buffer.alloc(128 * 1024)), /ENOSPC/);
          const rebuilt = sandbox.cli(['rebuild', name, '--yes']);
          assert.equal(rebuilt.status, 0, rebuilt.stderr);
          assert.match(rebuilt.stdout, /^warning: could not write the build log file .*ENOSPC: no space left on device/m);
          assert.match(rebuilt.stdout, /^=== build running/m);

          const status = JSON.parse(sandbox.ok(['status', name, '--json']).stdout) as WorkspaceView;
          assert.equal(status.state, 'running');
          assert.equal(status.lastBuild?.status, 'running');
          const printed = sandbox.ok(['logs', name]).stdout;
          assert.match(printed, /=== log incomplete: the backend could not write this log file \(ENOSPC: no space left on device/);
          assert.match(printed, new RegExp(`drydock status ${name}`));

          const warning = await waitFor('a warning event', 10_000, () =>
            events.find((event) => event.type === 'warning' && event.workspace === name && /ENOSPC/.test(event.message)),
          );
          assert.match(
            warning.type === 'warning' ? warning.message : '',
            new RegExp(`workspace ${name}: could not write the log of build ${status.lastBuild.buildId}`),
          );
        } finally {
          listening.abort();
          spawnSync('umount', [logsMount!]);
        }
      },
    );
  });

  void describe('a stale lock', () => {
    const sandbox = new Sandbox();
    after(() => sandbox.cleanup());

    void it('is taken over when its owner has exited', async () => {
      const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      const deadPid = await new Promise<number>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', () => resolve(child.pid ?? 0));
      });
      assert.ok(deadPid > 0 && !alive(deadPid));
      mkdirSync(sandbox.dir, { recursive: true });
      writeFileSync(
        sandbox.locations.lockFile,
        `${JSON.stringify({ pid: deadPid, version: '0.0.1', socketPath: sandbox.locations.socketPath, startedAt: new Date(Date.now() - 60_000).toISOString() })}\n`,
        { mode: 0o600 },
      );

      const started = sandbox.ok(['daemon', 'start']);
      const pid = await sandbox.pid();
      assert.match(started.stdout, new RegExp(`runs \\(pid ${pid}\\b`));
      assert.notEqual(pid, deadPid);
      assert.equal((JSON.parse(readFileSync(sandbox.locations.lockFile, 'utf8')) as { pid: number }).pid, pid, 'the lock names the new backend');
      sandbox.ok(['daemon', 'status']);
    });
  });

  void describe('crash recovery', () => {
    const sandbox = new Sandbox();
    after(() => sandbox.cleanup());

    void it('after kill -9 mid-rebuild and a restart: one container, home intact, build marked interrupted', async () => {
      const name = sandbox.workspace('kill');
      sandbox.ok(['create', name, '--image', IMAGE, '--pull', 'never']);
      dockerExec(`drydock-${name}`, 'echo precious > ~/precious.txt');

      const started = await sandbox.client.rebuild(name, { env: { CONFIGURE_MODE: 'hang' } });
      // Follow the live build until /coder/configure runs (its first line is out).
      const following = new AbortController();
      const timer = setTimeout(() => following.abort(), 60_000);
      let configuring = false;
      await sandbox.client.followBuild(
        name,
        ({ event, data: entry }) => {
          if (event === 'message' && entry.kind === 'output' && entry.step === 'Run /coder/configure' && entry.text === 'configure started') {
            configuring = true;
            following.abort();
          }
        },
        following.signal,
      );
      clearTimeout(timer);
      assert.ok(configuring, 'the build reached /coder/configure');

      const killed = await sandbox.pid();
      process.kill(killed, 'SIGKILL');
      await waitFor(`backend ${killed} to die`, 10_000, async () => !(await sandbox.health()));
      sandbox.ok(['daemon', 'start']);
      assert.notEqual(await sandbox.pid(), killed);

      const view = await waitFor('the interrupted build to be reconciled', 30_000, async () => {
        const current = await sandbox.view(name);
        return current.lastBuild?.status === 'interrupted' ? current : undefined;
      });
      assert.equal(view.state, 'failed');
      assert.equal(view.lastBuild?.buildId, started.buildId);
      // Shown after the status ("interrupted: the backend stopped..."), so the message does not repeat the word.
      assert.match(view.lastBuild?.message ?? '', /^the backend stopped during this build/);
      assert.match(sandbox.ok(['status', name]).stdout, new RegExp(`${started.buildId} interrupted: the backend stopped`));
      assert.deepEqual(containersOf(name), [`drydock-${name}`], 'exactly one container, and no -next leftover');
      assert.equal(dockerExec(`drydock-${name}`, 'cat ~/precious.txt'), 'precious');
      const log = readFileSync(join(sandbox.locations.logsDir, name, `${started.buildId}.log`), 'utf8')
        .trimEnd()
        .split('\n');
      assert.match(log.at(-1) ?? '', /=== build interrupted: the backend stopped/);
      assert.doesNotMatch(log.at(-1) ?? '', /interrupted: interrupted/);
      assert.match(log.join('\n'), /stdout\| configure started/);

      // Activity in the kept container (the exec above, a user's shell) does not make a failed build look good.
      await sleep(1_000);
      assert.equal((await sandbox.view(name)).state, 'failed');
    });

    void it('moves a corrupt state file aside and adopts the workspaces Docker still has', async () => {
      const name = sandbox.workspace('corrupt');
      sandbox.ok(['create', name, '--image', IMAGE, '--pull', 'never']);
      await sandbox.stopDaemon();
      const garbage = 'this is {not JSON\n';
      writeFileSync(sandbox.locations.stateFile, garbage);

      // The first command starts the backend, which must already know the workspace.
      const listed = JSON.parse(sandbox.ok(['ls', '--json']).stdout) as WorkspaceView[];
      const adopted = listed.find((workspace) => workspace.name === name);
      assert.ok(adopted, `ls lists ${name}: ${JSON.stringify(listed)}`);
      assert.equal(adopted.state, 'running');
      assert.equal(adopted.image, IMAGE);

      const aside = readdirSync(sandbox.dir).filter((file) => file.startsWith('state.json.corrupt-'));
      assert.equal(aside.length, 1, `one corrupt file moved aside: ${readdirSync(sandbox.dir).join(', ')}`);
      assert.equal(readFileSync(join(sandbox.dir, aside[0] ?? ''), 'utf8'), garbage);
      const log = readFileSync(sandbox.locations.daemonLog, 'utf8');
      assert.match(log, /state file .* was not loaded: it is not valid JSON/);
      assert.match(log, new RegExp(`recovered workspaces from Docker: .*${name}`));
      // The new state file is valid again and holds the workspace.
      const saved = JSON.parse(readFileSync(sandbox.locations.stateFile, 'utf8')) as { state: { workspaces: Record<string, unknown> } };
      assert.ok(saved.state.workspaces[name]);
    });
  });

  // On an engine of its own: stopping the system's would kill a developer's Docker and the engine under the other suites.
  void describe('a Docker engine restart', () => {
    /** The backend and the CLI talk to the private engine only. */
    class EngineSandbox extends Sandbox {
      engine: PrivateEngine | undefined;
      override get env(): NodeJS.ProcessEnv {
        return { ...super.env, ...this.engine?.env };
      }
    }
    const sandbox = new EngineSandbox();
    const docker0Before = hostHasDocker0();
    after(async () => {
      await sandbox.cleanup();
      await sandbox.engine?.stop();
      // Starting, restarting and stopping a private engine leaves the system's as it was.
      assert.equal(hostHasDocker0(), docker0Before, 'the host still has docker0 as before');
      assert.ok(dockerAnswers(), 'the system engine still answers');
    });

    void it('is survived: unknown while Docker is away, reconnects by itself, home intact', async (t) => {
      const reason = PrivateEngine.cannotStart();
      if (reason) {
        skipUnlessCI(t, `cannot run a private Docker engine: ${reason}; it needs root, dockerd, unshare and findmnt`);
        return;
      }
      const engine = await PrivateEngine.start([IMAGE]);
      sandbox.engine = engine;
      const name = sandbox.workspace('engine');
      sandbox.ok(['create', name, '--image', IMAGE, '--pull', 'never']);
      assert.equal((await sandbox.client.health()).docker.endpoint, `DOCKER_HOST=${engine.host}`);
      assert.deepEqual(containersOf(name), [], 'the workspace is on the private engine, not the system one');
      engine.exec(`drydock-${name}`, 'echo survives > ~/engine.txt');

      await engine.kill();
      assert.equal(await engine.answers(), false, 'the private engine is down');
      const away = await waitFor('the backend to show unknown', 30_000, async () => {
        const workspaces = await sandbox.client.listWorkspaces();
        const view = workspaces.find((workspace) => workspace.name === name);
        return view?.state === 'unknown' ? view : undefined;
      });
      assert.equal(away.name, name);
      assert.equal((await sandbox.client.health()).docker.reachable, false);
      const refused = await raw(sandbox.locations.socketPath, 'POST', pathFor(endpoints.rebuild.path, { name }), '{}');
      assert.equal(refused.status, 503);
      assert.equal(refused.body.error.code, 'docker_unreachable');

      await engine.restart();
      const back = await waitFor(
        'the backend to reconnect',
        60_000,
        async () => {
          const workspaces = await sandbox.client.listWorkspaces();
          const view = workspaces.find((workspace) => workspace.name === name);
          return view && view.state !== 'unknown' ? view : undefined;
        },
        500,
      );
      // Without live-restore the container stopped with the engine.
      assert.ok(['failed', 'off'].includes(back.state), `state after the engine restart: ${back.state}`);
      assert.equal((await sandbox.client.health()).docker.reachable, true);

      const rebuilt = await sandbox.client.rebuild(name);
      const view = await sandbox.waitForBuild(name, rebuilt.buildId);
      assert.equal(view.state, 'running', view.lastBuild?.message);
      assert.equal(engine.exec(`drydock-${name}`, 'cat ~/engine.txt'), 'survives');
      assert.equal(hostHasDocker0(), docker0Before, 'the private engine left the host docker0 as it was');
      assert.ok(dockerAnswers(), 'the system engine answers while the private one runs');
    });
  });
});
