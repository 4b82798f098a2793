/**
 * Secret bytes never leave the workspace: a real backend (dist/backend.js,
 * started by dist/cli.js) builds workspaces with an SSH key and a secret file
 * that hold a unique marker, and the marker must then be in none of what the
 * backend writes or says: daemon.log, state.json, the build logs, every API
 * answer, every event of the stream and the CLI's own output. (The
 * in-process test in hooks.test.ts covers container inspect and the exec
 * command lines.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DaemonEvent } from '../../src/api/views';
import { CLI, CliSandbox, pidExited, waitFor, type CliRun } from '../support/cliSandbox';
import { dockerExec } from '../support/docker';
import { authEntry, TestRegistry } from '../support/registry';
import { inCI } from '../support/skips';
import { buildTestImage, removeImage } from '../support/testImage';

const IMAGE = 'drydock-test/secret-leaks:1';

class Sandbox extends CliSandbox {
  /** The docker config folder the backend reads registry credentials from. */
  dockerConfig: string | undefined;

  override get env(): NodeJS.ProcessEnv {
    return { ...super.env, ...(this.dockerConfig ? { DOCKER_CONFIG: this.dockerConfig } : {}) };
  }

  /** `drydock ARGS...` as a user types it, stdin a pipe (never a TTY); the command must exit 0. */
  ok(args: string[]): Promise<CliRun> {
    const child = spawn(process.execPath, [CLI, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('error', reject);
      child.on('close', (status) => {
        clearTimeout(timer);
        if (status === 0) resolve({ status, stdout, stderr });
        else reject(new Error(`drydock ${args.join(' ')} exited ${status}\nstdout: ${stdout}\nstderr: ${stderr}`));
      });
    });
  }

  override async stopDaemon(): Promise<void> {
    const pid = (await this.health())?.pid;
    if (pid === undefined) return;
    process.kill(pid, 'SIGTERM');
    await waitFor(`backend ${pid} to exit`, 60_000, () => pidExited(pid));
  }
}

/** Where a text came from, and the text. */
interface Seen {
  where: string;
  text: string;
}

void describe('secrets in a real backend', () => {
  const sandbox = new Sandbox();
  const byCli = sandbox.workspace('leakcli');
  const byApi = sandbox.workspace('leakapi');
  const byRegistry = sandbox.workspace('leakreg');
  let registry: TestRegistry | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'drydock-leaks-'));
  const listening = new AbortController();

  before(() => buildTestImage(IMAGE));
  after(async () => {
    listening.abort();
    await sandbox.cleanup();
    if (registry) removeImage(`${registry.host}/leak/dev:1`);
    await registry?.stop();
    removeImage(IMAGE);
    rmSync(scratch, { recursive: true, force: true });
  });

  void it('never puts the bytes of an SSH key, a secret file or a registry password into daemon.log, state.json, build logs, API answers, events or CLI output', async () => {
    // Only the files' contents hold the marker; their names and paths are not secret.
    const marker = `LEAKMARK${randomBytes(16).toString('hex')}`;
    const key = join(scratch, 'id_leak');
    const secretFile = join(scratch, 'token');
    writeFileSync(key, `-----BEGIN OPENSSH PRIVATE KEY-----\n${marker}-key\n-----END OPENSSH PRIVATE KEY-----\n`, { mode: 0o600 });
    writeFileSync(secretFile, `${marker}-file\n`, { mode: 0o600 });

    // A private registry whose password holds the marker: the backend reads it from DOCKER_CONFIG for pulls and update checks.
    const cannotRegistry = TestRegistry.cannotStart();
    let registryImage: string | undefined;
    if (cannotRegistry) {
      if (inCI) throw new Error(`cannot run under CI: ${cannotRegistry}; .ci/run must provide it`);
      console.error(`\n!!! secret leaks: NOT CHECKING the registry password: ${cannotRegistry}\n`);
    } else {
      registry = await TestRegistry.start({ leaker: `${marker}-registry` });
      registryImage = `${registry.host}/leak/dev:1`;
      registry.push(IMAGE, registryImage, 'leaker', `${marker}-registry`);
      sandbox.dockerConfig = join(scratch, 'docker');
      mkdirSync(sandbox.dockerConfig);
      writeFileSync(join(sandbox.dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.host]: authEntry('leaker', `${marker}-registry`) } }), {
        mode: 0o600,
      });
    }

    const seen: Seen[] = [];
    const answer = <T>(where: string, value: T): T => {
      seen.push({ where, text: typeof value === 'string' ? value : JSON.stringify(value) });
      return value;
    };
    const cli = async (args: string[]): Promise<CliRun> => {
      const run = await sandbox.ok(args);
      answer(`drydock ${args.join(' ')} (stdout)`, run.stdout);
      answer(`drydock ${args.join(' ')} (stderr)`, run.stderr);
      return run;
    };

    // The stream listens from before the first workspace exists.
    await cli(['daemon', 'start']);
    const events: DaemonEvent[] = [];
    void sandbox.client.events((event) => events.push(event), listening.signal).catch(() => undefined);
    answer('POST /v1/workspaces', await sandbox.client.createWorkspace({ name: byApi, image: IMAGE, pullPolicy: 'never' }, { build: false }));
    await waitFor('the event stream to show the first workspace', 10_000, () =>
      events.some((event) => event.type === 'workspace' && event.workspace.name === byApi),
    );

    // One by the CLI, as a user types it; one through the API with both an SSH key and a secret file in its spec.
    await cli(['create', byCli, '--image', IMAGE, '--pull', 'never', '--ssh-key', key, '--secret', `${secretFile}:.config/token:0600`]);
    const rebuilt = answer(
      'POST /v1/workspaces/:name/rebuild',
      await sandbox.client.rebuild(byApi, { sshKey: key, secrets: [{ source: secretFile, target: '.netrc' }] }),
    );
    answer('workspace after its build', await sandbox.waitForBuild(byApi, rebuilt.buildId));

    if (registryImage) {
      // A pull with the password, a refused one (a wrong password with the marker in it), and update checks.
      await cli(['create', byRegistry, '--image', registryImage]);
      const wrong = join(sandbox.dockerConfig ?? '', 'config.json');
      writeFileSync(wrong, JSON.stringify({ auths: { [registry?.host ?? '']: authEntry('leaker', `${marker}-wrong`) } }));
      const refused = answer('POST rebuild with a wrong registry password', await sandbox.client.rebuild(byRegistry, {}));
      const failed = answer('workspace after the refused pull', await sandbox.waitForBuild(byRegistry, refused.buildId));
      assert.match(failed.lastBuild?.message ?? '', /refused the credentials/);
      await cli(['ls', '--check']);
      await cli(['status', byRegistry, '--check']);
      await cli(['logs', byRegistry]);
    }

    // The secrets did get in, so there was something to leak.
    for (const name of [byCli, byApi]) {
      const view = answer(`GET /v1/workspaces/${name}`, await sandbox.view(name));
      assert.equal(view.state, 'running', view.lastBuild?.message);
      assert.equal(dockerExec(`drydock-${name}`, 'cat ~/.ssh/id_leak'), readFileSync(key, 'utf8').trim());
    }
    assert.equal(dockerExec(`drydock-${byCli}`, 'cat ~/.config/token'), `${marker}-file`);
    assert.equal(dockerExec(`drydock-${byApi}`, 'cat ~/.netrc'), `${marker}-file`);

    // Every answer the API gives about them.
    answer('GET /v1/workspaces', await sandbox.client.listWorkspaces());
    answer('GET /v1/policy', await sandbox.client.policy());
    answer('GET /v1/health', await sandbox.client.health());
    for (const name of [byCli, byApi]) {
      const builds = answer(`GET /v1/workspaces/${name}/builds`, await sandbox.client.builds(name));
      assert.ok(builds.length > 0);
      for (const { buildId } of builds) {
        const log = answer(`GET /v1/workspaces/${name}/builds/${buildId}/log`, await sandbox.client.buildLog(name, buildId));
        assert.match(log, /~\/\.ssh\/id_leak \(0600/, 'the log names the key it installed');
      }
      answer(`GET /v1/workspaces/${name}/rebuild-safety`, await sandbox.client.rebuildSafety(name));
    }
    await cli(['status', byApi, '--json']);
    await cli(['logs', byCli]);

    // Every event, once both builds' results are in the stream.
    await waitFor('both builds to end in the event stream', 30_000, () =>
      [byCli, byApi].every((name) =>
        events.some((event) => event.type === 'workspace' && event.workspace.name === name && event.workspace.lastBuild?.status === 'running'),
      ),
    );
    assert.ok(
      events.some((event) => event.type === 'build-log'),
      'the stream carried the build logs',
    );
    events.forEach((event, index) => answer(`event ${index} (${event.type})`, event));

    // What the backend wrote to disk: daemon.log, state.json (flushed by a clean stop) and the build log files.
    await sandbox.stopDaemon();
    const files = [sandbox.locations.daemonLog, sandbox.locations.stateFile];
    for (const name of registryImage ? [byCli, byApi, byRegistry] : [byCli, byApi]) {
      const dir = join(sandbox.locations.logsDir, name);
      for (const file of readdirSync(dir)) files.push(join(dir, file));
    }
    for (const file of files) {
      assert.ok(existsSync(file), `${file} exists`);
      answer(file, readFileSync(file, 'utf8'));
    }
    assert.match(readFileSync(sandbox.locations.stateFile, 'utf8'), new RegExp(byApi), 'state.json holds the workspaces');

    const leaks = seen.filter(({ text }) => text.includes(marker)).map(({ where }) => where);
    assert.deepEqual(leaks, [], `the secret's bytes are in: ${leaks.join(', ')}`);
    assert.ok(seen.length > 20, `searched ${seen.length} answers, events and files`);
  });
});
