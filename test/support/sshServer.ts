import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './cliSandbox';

const SSHD = '/usr/sbin/sshd';

/**
 * A real OpenSSH server (Debian's openssh-server) on 127.0.0.1, with a host
 * key and one authorized client key made for the test, its own config file
 * (nothing from /etc/ssh), logging in as the user running the test. Through
 * it, `docker system dial-stdio` reaches this machine's engine: an SSH engine
 * on loopback. `stop()` kills it by pid and removes its folder.
 */
export class SshServer {
  readonly dir: string;
  readonly port: number;
  readonly hostKeyFile: string;
  /** The client key sshd accepts (no passphrase). */
  readonly clientKeyFile: string;
  readonly log: string;
  private child: ChildProcess | undefined;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.hostKeyFile = join(dir, 'host_ed25519');
    this.clientKeyFile = join(dir, 'client_ed25519');
    this.log = join(dir, 'sshd.log');
  }

  /** Why no sshd can run here (undefined: it can). */
  static cannotStart(): string | undefined {
    if (process.getuid?.() !== 0) return 'not running as root (sshd needs it to log in)';
    if (spawnSync(SSHD, ['-V'], { stdio: 'ignore' }).error) return `${SSHD} is missing (Debian package openssh-server)`;
    if (spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error) return 'ssh-keygen is missing (Debian package openssh-client)';
    return undefined;
  }

  static async start(): Promise<SshServer> {
    const server = new SshServer(mkdtempSync(join(tmpdir(), 'sshd-')), await freePort());
    try {
      keygen(server.hostKeyFile);
      keygen(server.clientKeyFile);
      writeFileSync(join(server.dir, 'authorized_keys'), readFileSync(`${server.clientKeyFile}.pub`));
      await server.run();
      return server;
    } catch (error) {
      server.stop();
      throw error;
    }
  }

  /** `ssh-ed25519 AAAA...` of the host key. */
  get hostPublicKey(): string {
    return readFileSync(`${this.hostKeyFile}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  }

  /** The known_hosts line for this server as OpenSSH writes it (`[127.0.0.1]:PORT type key`). */
  get knownHostsLine(): string {
    return `[127.0.0.1]:${this.port} ${this.hostPublicKey}\n`;
  }

  /** `ssh://user@127.0.0.1:PORT` for DOCKER_HOST. */
  url(user = 'root'): string {
    return `ssh://${user}@127.0.0.1:${this.port}`;
  }

  stop(): void {
    if (this.child?.pid !== undefined && this.child.exitCode === null) this.child.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async run(): Promise<void> {
    // sshd insists on its privilege-separation folder.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const config = join(this.dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${this.port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${this.hostKeyFile}`,
        `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        `PidFile ${join(this.dir, 'sshd.pid')}`,
        // The docker CLI on the far side finds the engine as it would for a login.
        'PermitUserEnvironment no',
        'MaxSessions 64',
        'MaxStartups 64',
        '',
      ].join('\n'),
    );
    const log = openSync(this.log, 'a');
    try {
      this.child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    const child = this.child;
    await waitFor(`sshd on 127.0.0.1:${this.port} (see ${this.log})`, 15_000, () => {
      if (child.exitCode !== null) throw new Error(`sshd exited ${child.exitCode}: ${readFileSync(this.log, 'utf8')}`);
      return readFileSync(this.log, 'utf8').includes('Server listening');
    });
  }
}

/**
 * A HOME for the program under test, as a user's would be: ~/.ssh/config
 * with `Host alias` pointing at the server, the client key as the alias's
 * IdentityFile, and known_hosts as given (empty: the host is unknown).
 */
export function sshHome(server: SshServer, options: { alias: string; knownHosts: string }): string {
  const home = mkdtempSync(join(tmpdir(), 'ssh-home-'));
  const ssh = join(home, '.ssh');
  mkdirSync(ssh, { mode: 0o700 });
  const key = join(ssh, 'drydock_test_key');
  writeFileSync(key, readFileSync(server.clientKeyFile));
  chmodSync(key, 0o600);
  writeFileSync(
    join(ssh, 'config'),
    [`Host ${options.alias}`, '  HostName 127.0.0.1', `  Port ${server.port}`, '  User root', '  IdentityFile ~/.ssh/drydock_test_key', ''].join('\n'),
  );
  writeFileSync(join(ssh, 'known_hosts'), options.knownHosts);
  return home;
}

/** Hashes a known_hosts file's names in place (`ssh-keygen -H`), as Debian's HashKnownHosts does. */
export function hashKnownHosts(file: string): void {
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  rmSync(`${file}.old`, { force: true });
}

/** A fresh ed25519 public key line (`ssh-ed25519 AAAA...`), e.g. the "old" key of a changed host. */
export function otherHostKey(dir: string): string {
  const file = join(dir, `other-${Date.now()}`);
  keygen(file);
  const line = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  rmSync(file, { force: true });
  rmSync(`${file}.pub`, { force: true });
  return line;
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'drydock-test', '-f', file], { stdio: 'ignore' });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
