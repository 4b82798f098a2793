import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Health } from '../../src/api/views';
import { connectDocker, connectEngineAt, connectEngineOfContext, pingWithin, type Connection } from '../../src/docker/connect';
import { nodeDiscoveryEnvironment, type DiscoveryEnvironment } from '../../src/docker/discovery';
import { CLI, waitFor, type CliRun } from '../support/cliSandbox';
import { newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { docker, dockerExec, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { buildHookImage } from '../support/hookImage';
import { skipOutsideCI } from '../support/skips';
import { SshServer, hashKnownHosts, otherHostKey, sshHome } from '../support/sshServer';
import { removeImage } from '../support/testImage';
import { TlsEngine } from '../support/tlsEngine';

const IMAGE = 'drydock-test/remote:1';
const ALIAS = 'build-box';

/** The fingerprint `ssh-keygen -lf` prints for a public key file: the peer's own word on what the user must compare. */
function sshKeygenFingerprint(publicKeyFile: string): string {
  const line = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], { encoding: 'utf8' });
  const match = /(SHA256:\S+)/.exec(line);
  assert.ok(match, line);
  return match[1] ?? '';
}

/** Established TCP connections from process `pid` to the sshd on loopback `port` (what `ss` sees; root sees every process's). */
function sshConnectionsOf(pid: number, port: number): number {
  const lines = execFileSync('ss', ['-Htnp', 'state', 'established', 'dport', '=', `:${port}`], { encoding: 'utf8' });
  return lines.split('\n').filter((line) => line.includes(`pid=${pid},`)).length;
}

/** The CLI bundle as a user runs it, against the backend of `stateDir`, with this HOME; no terminal. */
function cli(args: string[], stateDir: string, home: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, DRYDOCK_STATE_DIR: stateDir, HOME: home }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Discovery as the backend would see it with this HOME and environment. */
function environmentWith(home: string, env: Record<string, string | undefined>): DiscoveryEnvironment {
  return { ...nodeDiscoveryEnvironment(), homeDir: home, env: { PATH: process.env.PATH, ...env } };
}

void describe(
  'a Docker engine over SSH (a real sshd on loopback, `docker system dial-stdio` on the far side)',
  { skip: skipOutsideCI(SshServer.cannotStart()) },
  () => {
    let server: SshServer;
    let scratch: string;
    const homes: string[] = [];
    const daemons: TestDaemon[] = [];
    const workspaces: string[] = [];
    let hostFingerprint: string;

    const home = (knownHosts: string): string => {
      const made = sshHome(server, { alias: ALIAS, knownHosts });
      homes.push(made);
      return made;
    };
    const backend = async (userHome: string): Promise<TestDaemon> => {
      // The backend as a user would run it: DOCKER_HOST names the ~/.ssh/config alias; no agent, so the alias's IdentityFile logs in.
      const daemon = await startDaemon(newStateDir(), { HOME: userHome, DOCKER_HOST: `ssh://${ALIAS}`, SSH_AUTH_SOCK: '' }, { waitForDocker: false });
      daemons.push(daemon);
      return daemon;
    };
    const refusedHealth = (daemon: TestDaemon, code: RegExp): Promise<Health> =>
      waitFor(`the backend to report the refused host key`, 20_000, async () => {
        const health = await daemon.client.health();
        return !health.docker.reachable && code.test(health.docker.error ?? '') ? health : undefined;
      });

    before(() => {
      scratch = mkdtempSync(join(tmpdir(), 'drydock-remote-'));
      buildHookImage(IMAGE);
    });
    before(async () => {
      server = await SshServer.start();
      hostFingerprint = sshKeygenFingerprint(`${server.hostKeyFile}.pub`);
    });
    after(async () => {
      for (const daemon of daemons) {
        await daemon.stop();
        removeStateDir(daemon.stateDir);
      }
      for (const name of workspaces) removeWorkspaceObjects(name);
      server?.stop();
      for (const made of homes) rmSync(made, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
      removeImage(IMAGE);
    });

    void it('refuses an unknown host key, naming the host and its SHA256 fingerprint; `drydock engine trust` adds it, and the backend then connects', async () => {
      const userHome = home('');
      const daemon = await backend(userHome);
      const health = await refusedHealth(daemon, /not known/);
      assert.match(health.docker.error ?? '', new RegExp(`127\\.0\\.0\\.1 port ${server.port} \\(Host ${ALIAS}\\)`));
      assert.ok(health.docker.error?.includes(hostFingerprint), health.docker.error);
      assert.match(health.docker.error ?? '', /drydock engine trust ssh:\/\/root@127\.0\.0\.1:/);
      assert.equal(health.docker.hostKey?.status, 'unknown');
      assert.equal(health.docker.hostKey?.fingerprint, hostFingerprint);

      // Without a terminal to ask on, nothing is trusted without the fingerprint.
      const unasked = await cli(['engine', 'trust', `ssh://${ALIAS}`], daemon.stateDir, userHome);
      assert.equal(unasked.status, 2, unasked.stderr);
      assert.ok(unasked.stderr.includes(hostFingerprint), unasked.stderr);
      assert.match(unasked.stderr, /--fingerprint/);
      // A fingerprint that is not the host's is refused.
      const wrong = await cli(['engine', 'trust', `ssh://${ALIAS}`, '--fingerprint', `SHA256:${'A'.repeat(43)}`], daemon.stateDir, userHome);
      assert.equal(wrong.status, 1, wrong.stderr);
      assert.match(wrong.stderr, /not SHA256:A+; nothing was trusted/);
      assert.equal(readFileSync(join(userHome, '.ssh', 'known_hosts'), 'utf8'), '');

      const trusted = await cli(['engine', 'trust', `ssh://${ALIAS}`, '--fingerprint', hostFingerprint], daemon.stateDir, userHome);
      assert.equal(trusted.status, 0, trusted.stderr);
      assert.match(trusted.stdout, /Trusted 127\.0\.0\.1 port \d+ \(ssh-ed25519 SHA256:/);
      // What was written is what OpenSSH itself accepts for that host.
      const knownHosts = join(userHome, '.ssh', 'known_hosts');
      assert.equal(readFileSync(knownHosts, 'utf8'), server.knownHostsLine);
      assert.match(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${server.port}`, '-f', knownHosts], { encoding: 'utf8' }), /ssh-ed25519/);

      const reachable = await waitFor('the backend to reach the engine once the key is trusted', 20_000, async () => {
        const now = await daemon.client.health();
        return now.docker.reachable ? now : undefined;
      });
      assert.match(reachable.docker.endpoint ?? '', /SSH root@127\.0\.0\.1:/);
      assert.equal(reachable.docker.hostKey, undefined);
      const again = await cli(['engine', 'trust', `ssh://${ALIAS}`], daemon.stateDir, userHome);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /already trusted/);
    });

    void it('on a terminal, `drydock engine trust` shows the fingerprint and trusts only on yes', async () => {
      const userHome = home('');
      const daemon = await backend(userHome);
      await refusedHealth(daemon, /not known/);
      const knownHosts = join(userHome, '.ssh', 'known_hosts');
      // `script` gives the CLI a terminal (a pty) and types the answer into it.
      const onTerminal = (answer: string): Promise<CliRun> =>
        new Promise((resolve) => {
          const child = execFile(
            'script',
            ['-qec', `${process.execPath} ${CLI} engine trust ssh://${ALIAS}`, '/dev/null'],
            { env: { ...process.env, DRYDOCK_STATE_DIR: daemon.stateDir, HOME: userHome }, timeout: 60_000 },
            (error, stdout, stderr) => resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
          );
          child.stdin?.end(`${answer}\n`);
        });
      const declined = await onTerminal('n');
      assert.equal(declined.status, 1, declined.stdout);
      assert.ok(declined.stdout.includes(hostFingerprint), declined.stdout);
      assert.match(declined.stdout, /\[y\/N\]/);
      assert.match(declined.stdout, /Nothing was trusted/);
      assert.equal(readFileSync(knownHosts, 'utf8'), '');
      const accepted = await onTerminal('y');
      assert.equal(accepted.status, 0, accepted.stdout);
      assert.equal(readFileSync(knownHosts, 'utf8'), server.knownHostsLine);
      await waitFor('the backend to reach the engine once the key is trusted', 20_000, async () => (await daemon.client.health()).docker.reachable);
    });

    void it('creates, rebuilds with every hook (secrets, configure, dotfiles copied in, personalize), runs exec, shows logs and stops over SSH', async () => {
      const userHome = home(server.knownHostsLine);
      const daemon = await backend(userHome);
      await waitFor('the backend to reach the engine over SSH', 20_000, async () => (await daemon.client.health()).docker.reachable);
      const name = uniqueName('sshws');
      workspaces.push(name);

      // A secret file and a dotfiles repository on the backend's machine: both must cross the SSH link.
      const secret = join(scratch, 'token');
      writeFileSync(secret, 'remote-secret\n', { mode: 0o600 });
      const dotfiles = join(scratch, 'dotfiles');
      mkdirSync(dotfiles);
      writeFileSync(
        join(dotfiles, 'install.sh'),
        '#!/bin/sh\necho "dotfiles installed" > "$HOME/.dotfiles-ran"\nprintf "#!/bin/sh\\necho personalized >> \\"\\$HOME/.personalized\\"\\n" > "$HOME/personalize"\nchmod +x "$HOME/personalize"\n',
      );
      chmodSync(join(dotfiles, 'install.sh'), 0o755);
      const git = (args: string[]): void => void execFileSync('git', ['-C', dotfiles, ...args], { stdio: 'ignore' });
      git(['init', '--initial-branch=main']);
      git(['-c', 'user.email=t@example.com', '-c', 'user.name=T', 'add', '.']);
      git(['-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-m', 'dotfiles']);

      const created = await daemon.client.createWorkspace(
        { name, image: IMAGE, pullPolicy: 'never', secrets: [{ source: secret, target: '.config/token' }], dotfiles: { url: dotfiles } },
        { build: true },
      );
      assert.ok(created.buildId);
      const first = await waitFor(`the first build of ${name}`, 90_000, async () => {
        const view = await daemon.client.workspace(name);
        return view.lastBuild?.buildId === created.buildId && view.lastBuild?.status !== 'building' ? view : undefined;
      });
      assert.equal(first.state, 'running', first.lastBuild?.message);
      // The same engine is this machine's, so the test looks at the container directly.
      const container = `drydock-${name}`;
      assert.equal(dockerExec(container, 'cat ~/.config/token', 'dev'), 'remote-secret');
      assert.equal(dockerExec(container, 'cat ~/.dotfiles-ran', 'dev'), 'dotfiles installed');
      // Bind mounts would be the engine machine's folders: no control folder over a remote link.
      assert.doesNotMatch(docker(['inspect', '-f', '{{range .Mounts}}{{.Destination}} {{end}}', container]), /\/run\/drydock/);
      assert.equal(dockerExec(container, 'wc -l < ~/.configure-runs', 'dev'), '1');

      const rebuilt = await daemon.client.rebuild(name);
      const second = await waitFor(`the rebuild of ${name}`, 90_000, async () => {
        const view = await daemon.client.workspace(name);
        return view.lastBuild?.buildId === rebuilt.buildId && view.lastBuild?.status !== 'building' ? view : undefined;
      });
      assert.equal(second.state, 'running', second.lastBuild?.message);
      assert.equal(dockerExec(container, 'wc -l < ~/.configure-runs', 'dev'), '2');
      assert.equal(dockerExec(container, 'cat ~/.personalized', 'dev'), 'personalized');

      // exec through the backend (an attached session over the link), and the build log.
      const exec = await cli(['exec', name, '--', 'sh', '-c', 'echo "$(id -un) $(cat ~/.config/token)"'], daemon.stateDir, userHome);
      assert.equal(exec.status, 0, exec.stderr);
      assert.equal(exec.stdout.trim(), 'dev remote-secret');
      const logs = await cli(['logs', name], daemon.stateDir, userHome);
      assert.equal(logs.status, 0, logs.stderr);
      assert.match(logs.stdout, /configure uid=1000 user=dev/);
      assert.match(logs.stdout, /Personalize: ~\/personalize/);

      const stopped = await daemon.client.stop(name);
      assert.equal(stopped.state, 'off');
      assert.equal(docker(['ps', '-a', '--filter', `name=^/${container}$`, '--format', '{{.Names}}']), '');
    });

    void it('closes its SSH connection when the engine is removed, not an idle timeout later', async () => {
      const userHome = home(server.knownHostsLine);
      // The backend's own engine is this machine's; the SSH one is added by name, as a user adds a build box.
      const daemon = await startDaemon(newStateDir(), { HOME: userHome, SSH_AUTH_SOCK: '' });
      daemons.push(daemon);
      const added = await cli(['engine', 'add', 'far', '--host', `ssh://${ALIAS}`], daemon.stateDir, userHome);
      assert.equal(added.status, 0, added.stderr);
      await waitFor('the added SSH engine to answer', 20_000, async () => (await daemon.client.engines()).find((engine) => engine.name === 'far')?.reachable);
      const { pid } = await daemon.client.health();
      const links = (): number => sshConnectionsOf(pid, server.port);
      assert.ok(links() > 0, 'the backend holds an SSH connection to the engine it reaches');

      const removed = await cli(['engine', 'rm', 'far'], daemon.stateDir, userHome);
      assert.equal(removed.status, 0, removed.stderr);
      // The connection's own idle timer would take about 45 s: a removal ends it at once.
      await waitFor('the SSH connection to close', 5_000, () => links() === 0);
      assert.equal((await daemon.client.health()).docker.reachable, true, 'the local engine is untouched');
    });

    void it('refuses a CHANGED host key loudly (hashed known_hosts too), and `drydock engine trust` will not accept it', async () => {
      // known_hosts holds another key for this host and port, hashed as Debian's HashKnownHosts writes it.
      const userHome = home(`[127.0.0.1]:${server.port} ${otherHostKey(scratch)}\n`);
      const knownHosts = join(userHome, '.ssh', 'known_hosts');
      hashKnownHosts(knownHosts);
      const before = readFileSync(knownHosts, 'utf8');
      assert.match(before, /^\|1\|/);
      const daemon = await backend(userHome);
      const health = await refusedHealth(daemon, /CHANGED/);
      assert.ok(health.docker.error?.includes(hostFingerprint), health.docker.error);
      assert.match(health.docker.error ?? '', /ssh-keygen -R/);
      assert.equal(health.docker.hostKey?.status, 'changed');

      const attempt = await cli(['engine', 'trust', `ssh://${ALIAS}`, '--fingerprint', hostFingerprint], daemon.stateDir, userHome);
      assert.equal(attempt.status, 1, attempt.stdout);
      assert.match(attempt.stderr, /WARNING: the SSH host key of 127\.0\.0\.1 port \d+ has CHANGED/);
      assert.equal(readFileSync(knownHosts, 'utf8'), before);
      // The API refuses it too, whatever a client sends.
      await assert.rejects(
        daemon.client.trustSshHostKey(`ssh://${ALIAS}`, hostFingerprint),
        (error: Error & { code?: string }) => error.code === 'ssh_host_key_changed',
      );
      assert.equal(readFileSync(knownHosts, 'utf8'), before);
    });

    void it('logs in with a key from the SSH agent, and checks a hashed known_hosts entry', async (t) => {
      const userHome = home(server.knownHostsLine);
      hashKnownHosts(join(userHome, '.ssh', 'known_hosts'));
      // No key file this time: only the agent holds the key.
      rmSync(join(userHome, '.ssh', 'drydock_test_key'));
      const agentSocket = join(scratch, 'agent.sock');
      const agent = execFile('ssh-agent', ['-D', '-a', agentSocket]);
      t.after(() => void agent.kill('SIGTERM'));
      await waitFor('ssh-agent', 10_000, () => execFileSync('sh', ['-c', `test -S ${agentSocket} && echo y || true`], { encoding: 'utf8' }).trim() === 'y');
      execFileSync('ssh-add', [server.clientKeyFile], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket }, stdio: 'ignore' });

      const connection = await connectDocker(environmentWith(userHome, { DOCKER_HOST: `ssh://${ALIAS}`, SSH_AUTH_SOCK: agentSocket, USER: 'root' }));
      try {
        const info = (await connection.docker.info()) as { ID?: string };
        assert.equal(info.ID, JSON.parse(docker(['info', '--format', '{{json .ID}}'])) as string);
      } finally {
        connection.close();
      }
      // Without the agent nothing logs in, and the error says what was offered.
      await assert.rejects(
        connectDocker(environmentWith(userHome, { DOCKER_HOST: `ssh://${ALIAS}`, USER: 'root' })),
        /refused every key offered \(none found: no SSH agent and no key file\)/,
      );
    });

    void it('reaches an SSH engine through a Docker context, and through connectEngineAt with a default key file (~/.ssh/id_ed25519)', async () => {
      const userHome = home(server.knownHostsLine);
      // For the address without the alias, the key is found where OpenSSH looks by default.
      writeFileSync(join(userHome, '.ssh', 'id_ed25519'), readFileSync(server.clientKeyFile), { mode: 0o600 });
      const dockerConfig = join(userHome, '.docker');
      mkdirSync(dockerConfig, { recursive: true });
      execFileSync('docker', ['context', 'create', 'remote-ssh', '--docker', `host=ssh://${ALIAS}`], {
        env: { ...process.env, DOCKER_CONFIG: dockerConfig },
        stdio: 'ignore',
      });
      const environment = environmentWith(userHome, { DOCKER_CONFIG: dockerConfig, USER: 'root' });
      const connections: Connection[] = [];
      try {
        connections.push(connectEngineOfContext('remote-ssh', environment));
        connections.push(await connectDocker(environmentWith(userHome, { DOCKER_CONFIG: dockerConfig, DOCKER_CONTEXT: 'remote-ssh', USER: 'root' })));
        connections.push(connectEngineAt(server.url(), environment));
        for (const connection of connections) {
          assert.match(connection.endpoint.description, /SSH root@127\.0\.0\.1:/);
          await pingWithin(connection.docker, 15_000);
        }
      } finally {
        for (const connection of connections) connection.close();
      }
    });
  },
);

void describe(
  'a Docker engine over TLS (a private dockerd with --tlsverify and certificates made by openssl)',
  { skip: skipOutsideCI(TlsEngine.cannotStart()) },
  () => {
    let tls: TlsEngine;
    let daemon: TestDaemon | undefined;
    const name = uniqueName('tlsws');

    before(async () => {
      buildHookImage(IMAGE);
      tls = await TlsEngine.start([IMAGE]);
    });
    after(async () => {
      if (daemon) {
        await daemon.stop();
        removeStateDir(daemon.stateDir);
      }
      await tls?.stop();
      removeImage(IMAGE);
    });

    void it('the backend with DOCKER_HOST=tcp://, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH creates, rebuilds, runs exec and stops', async () => {
      daemon = await startDaemon(newStateDir(), { ...tls.env, DOCKER_CONTEXT: '' });
      const health = await daemon.client.health();
      assert.match(health.docker.endpoint ?? '', /tcp:\/\/127\.0\.0\.1:\d+ \(TLS\)/);
      const created = await daemon.client.createWorkspace({ name, image: IMAGE, pullPolicy: 'never' }, { build: true });
      const built = async (buildId: string | undefined): Promise<void> => {
        const view = await waitFor(`build ${buildId} of ${name}`, 90_000, async () => {
          const now = await daemon?.client.workspace(name);
          return now?.lastBuild?.buildId === buildId && now?.lastBuild?.status !== 'building' ? now : undefined;
        });
        assert.equal(view.state, 'running', view.lastBuild?.message);
      };
      await built(created.buildId);
      // The container is on the TLS engine, not on the system's.
      assert.equal(tls.docker(['exec', '-u', 'dev', `drydock-${name}`, 'sh', '-c', 'wc -l < ~/.configure-runs']), '1');
      assert.equal(docker(['ps', '-a', '--filter', `name=^/drydock-${name}$`, '--format', '{{.Names}}']), '');
      await built((await daemon.client.rebuild(name)).buildId);
      assert.equal(tls.docker(['exec', '-u', 'dev', `drydock-${name}`, 'sh', '-c', 'wc -l < ~/.configure-runs']), '2');
      const exec = await cli(['exec', name, '--', 'id', '-un'], daemon.stateDir, process.env.HOME ?? '/root');
      assert.equal(exec.stdout.trim(), 'dev', exec.stderr);
      assert.equal((await daemon.client.stop(name)).state, 'off');
      assert.equal(tls.docker(['ps', '-a', '--filter', `name=^/drydock-${name}$`, '--format', '{{.Names}}']), '');
      await daemon.client.deleteWorkspace(name, { deleteHome: true });
    });

    void it('refuses an engine whose certificate another CA signed, saying so', async () => {
      await assert.rejects(
        connectDocker(environmentWith('/nonexistent', { ...tls.env, DOCKER_CERT_PATH: tls.wrongCaCerts })),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'docker_unreachable');
          assert.match(
            error.message,
            /\(TLS\): the engine's TLS certificate is not trusted \(.+\): ca\.pem must be the CA that signed the engine's certificate/,
          );
          return true;
        },
      );
      // The docker CLI refuses the same (it is the same mistake, not Drydock's own).
      assert.throws(() => tls.docker(['version'], tls.wrongCaCerts), /certificate signed by unknown authority/);
    });

    void it('reaches the TLS engine through a Docker context holding the TLS material, and by address with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH', async () => {
      const dockerConfig = mkdtempSync(join(tmpdir(), 'docker-config-'));
      try {
        const certs = tls.clientCerts;
        execFileSync(
          'docker',
          ['context', 'create', 'remote-tls', '--docker', `host=${tls.host},ca=${certs}/ca.pem,cert=${certs}/cert.pem,key=${certs}/key.pem`],
          { env: { ...process.env, DOCKER_CONFIG: dockerConfig }, stdio: 'ignore' },
        );
        const connections = [
          connectEngineOfContext('remote-tls', environmentWith('/nonexistent', { DOCKER_CONFIG: dockerConfig })),
          await connectDocker(environmentWith('/nonexistent', { DOCKER_CONFIG: dockerConfig, DOCKER_CONTEXT: 'remote-tls' })),
          // By address, with the TLS material as `docker -H` takes it.
          connectEngineAt(tls.host, environmentWith('/nonexistent', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs })),
        ];
        const id = tls.docker(['info', '--format', '{{.ID}}']);
        for (const connection of connections) {
          assert.match(connection.endpoint.description, /TLS/);
          assert.equal(((await connection.docker.info()) as { ID?: string }).ID, id);
        }
        // Without TLS material the engine is refused (it speaks only TLS).
        await assert.rejects(
          pingWithin(connectEngineAt(tls.host, environmentWith('/nonexistent', {})).docker),
          /socket hang up|ECONNRESET|Client sent an HTTP request to an HTTPS server|400/,
        );
      } finally {
        rmSync(dockerConfig, { recursive: true, force: true });
      }
    });
  },
);
