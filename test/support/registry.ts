import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidExited, waitFor } from './cliSandbox';
import { selfSignedCertificate } from './certificates';

/**
 * A real image registry for a test: Debian's `docker-registry` (distribution
 * 2.8) on 127.0.0.1 with TLS from a CA made here and htpasswd users made
 * here. The engine trusts it through `/etc/docker/certs.d/127.0.0.1:PORT/ca.crt`
 * (read on each pull, no restart), which `stop()` removes again along with
 * everything else; the process is stopped by its pid.
 */
export class TestRegistry {
  readonly dir: string;
  /** `127.0.0.1:PORT`: the registry part of image references. */
  readonly host: string;
  private readonly certsDir: string;
  private child: ChildProcess | undefined;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.host = `127.0.0.1:${port}`;
    this.certsDir = join('/etc/docker/certs.d', this.host);
  }

  /** Why no registry can run here (undefined: it can). */
  static cannotStart(): string | undefined {
    if (process.getuid?.() !== 0) return 'not running as root (the engine trusts a registry CA only through /etc/docker/certs.d)';
    for (const [tool, pkg] of [
      ['docker-registry', 'docker-registry'],
      ['htpasswd', 'apache2-utils'],
      ['openssl', 'openssl'],
      ['docker', 'docker.io'],
    ]) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0)
        return `${tool} is not on PATH (apt-get install ${pkg}; .ci/run installs it)`;
    }
    return undefined;
  }

  /** Starts a registry whose htpasswd holds `users` (name -> password). */
  static async start(users: Record<string, string>): Promise<TestRegistry> {
    const registry = new TestRegistry(mkdtempSync(join(tmpdir(), 'dd-registry-')), await freePort());
    try {
      registry.prepare(users);
      await registry.up();
      return registry;
    } catch (error) {
      await registry.stop();
      throw error;
    }
  }

  /** The CA the engine and Drydock trust for this registry (the certificate itself: it is self-signed). */
  get caFile(): string {
    return join(this.dir, 'cert.pem');
  }

  private prepare(users: Record<string, string>): void {
    selfSignedCertificate({ key: join(this.dir, 'key.pem'), cert: this.caFile }, '/CN=localhost', 'IP:127.0.0.1,DNS:localhost');
    for (const [index, [user, password]] of Object.entries(users).entries()) {
      execFileSync('htpasswd', [index === 0 ? '-Bbc' : '-Bb', join(this.dir, 'htpasswd'), user, password], { stdio: 'ignore' });
    }
    writeFileSync(
      join(this.dir, 'config.yml'),
      [
        'version: 0.1',
        'log:',
        '  level: error',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(this.dir, 'data')}`,
        'http:',
        `  addr: ${this.host}`,
        '  tls:',
        `    certificate: ${this.caFile}`,
        `    key: ${join(this.dir, 'key.pem')}`,
        'auth:',
        '  htpasswd:',
        '    realm: drydock-test',
        `    path: ${join(this.dir, 'htpasswd')}`,
        '',
      ].join('\n'),
    );
    mkdirSync(this.certsDir, { recursive: true });
    copyFileSync(this.caFile, join(this.certsDir, 'ca.crt'));
  }

  /** Starts (or restarts) the registry process on the same port and storage. */
  async up(): Promise<void> {
    if (this.child && this.child.exitCode === null) return;
    // The access log (one line per HTTP request) goes to stdout: kept, so a test can count what reached the registry.
    const accessLog = openSync(join(this.dir, 'access.log'), 'a');
    this.child = spawn('docker-registry', ['serve', join(this.dir, 'config.yml')], { stdio: ['ignore', accessLog, 'pipe'] });
    closeSync(accessLog);
    let stderr = '';
    this.child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
    await waitFor(`the registry on ${this.host} to answer`, 20_000, async () => {
      if (this.child?.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
      return (await this.status()) === 401;
    });
  }

  /** The requests the registry has answered so far, one access-log line each (`"GET /v2/... HTTP/1.1" 200 ...`). */
  requests(): string[] {
    try {
      return readFileSync(join(this.dir, 'access.log'), 'utf8')
        .split('\n')
        .filter((line) => / "(GET|HEAD|PUT|POST|PATCH|DELETE) \/v2\//.test(line));
    } catch {
      return [];
    }
  }

  /** Stops the registry process (by its pid), keeping its storage: "the registry is down". */
  async down(): Promise<void> {
    const child = this.child;
    const pid = child?.pid;
    this.child = undefined;
    if (!child || pid === undefined || child.exitCode !== null) return;
    child.kill('SIGTERM');
    await waitFor(`docker-registry ${pid} to exit`, 10_000, () => pidExited(pid)).catch(() => child.kill('SIGKILL'));
  }

  /** Stops it and removes its folder and the engine's trust in it. */
  async stop(): Promise<void> {
    await this.down();
    rmSync(this.certsDir, { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Pushes local image `source` as `HOST/repository:tag` with the docker CLI, logged in as `user`; returns the pushed digest. */
  push(source: string, target: string, user: string, password: string): string {
    const config = mkdtempSync(join(tmpdir(), 'dd-push-'));
    try {
      const docker = (args: string[], input?: string): string =>
        execFileSync('docker', ['--config', config, ...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
      docker(['login', this.host, '-u', user, '--password-stdin'], password);
      docker(['tag', source, target]);
      const out = docker(['push', target]);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(out)?.[1];
      if (!digest) throw new Error(`no digest in the output of docker push ${target}: ${out}`);
      return digest;
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  }

  /** The status of an anonymous `GET /v2/` (401 when up, with auth on). */
  private status(): Promise<number> {
    const [hostname, port] = this.host.split(':');
    return new Promise((resolve, reject) => {
      const req = request({ hostname, port: Number(port), path: '/v2/', method: 'GET', rejectUnauthorized: false, timeout: 2000 }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
  }
}

/** A docker config folder for a test: `config.json` as given, for DOCKER_CONFIG. */
export function dockerConfig(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'dd-dockercfg-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  return dir;
}

/** `auths` entry the way `docker login` writes it. */
export function authEntry(user: string, password: string): { auth: string } {
  return { auth: Buffer.from(`${user}:${password}`).toString('base64') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
