import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './cliSandbox';
import { PrivateEngine } from './privateEngine';
import { selfSignedCertificate } from './certificates';

/** Where the engine listens inside its network namespace. */
const INNER_PORT = 2376;

/**
 * A Docker engine that speaks only TLS with client certificates
 * (`--tlsverify`), on a TCP port of this machine's loopback, with a CA, a
 * server and a client certificate made by openssl for the test.
 *
 * The engine is a PrivateEngine: its own network namespace, so its
 * `--bridge none` cannot touch the host's docker0. A TCP listener inside
 * that namespace cannot be reached from outside it, so two relays carry the
 * bytes (never the TLS: that stays end to end between client and dockerd):
 * one run in the engine's namespace (`nsenter --net`) from a Unix socket in
 * its folder to 127.0.0.1:2376 there, and one in this process from
 * 127.0.0.1:PORT to that socket. Unix sockets are reachable across network
 * namespaces; that is the one thing both sides share.
 */
export class TlsEngine {
  /** `tcp://127.0.0.1:PORT` */
  readonly host: string;
  /** ca.pem, cert.pem, key.pem for a client (DOCKER_CERT_PATH). */
  readonly clientCerts: string;
  /** The same client certificate and key, with another CA's ca.pem: the engine's certificate does not verify. */
  readonly wrongCaCerts: string;

  private constructor(
    readonly engine: PrivateEngine,
    private readonly relays: ChildProcess[],
    port: number,
  ) {
    this.host = `tcp://127.0.0.1:${port}`;
    this.clientCerts = join(engine.dir, 'tls', 'client');
    this.wrongCaCerts = join(engine.dir, 'tls', 'wrong-ca');
  }

  static cannotStart(): string | undefined {
    const cannot = PrivateEngine.cannotStart();
    if (cannot) return cannot;
    for (const tool of ['openssl', 'nsenter', 'ip']) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) return `${tool} is not on PATH`;
    }
    return undefined;
  }

  static async start(images: string[] = []): Promise<TlsEngine> {
    const engine = await PrivateEngine.start(images, (dir) => {
      const tls = makeCertificates(join(dir, 'tls'));
      return ['-H', `tcp://127.0.0.1:${INNER_PORT}`, '--tlsverify', '--tlscacert', tls.ca, '--tlscert', tls.serverCert, '--tlskey', tls.serverKey];
    });
    const relays: ChildProcess[] = [];
    try {
      const socket = join(engine.dir, 'tls.sock');
      const script = writeRelayScript(engine.dir);
      const pid = engine.pid;
      if (pid === undefined) throw new Error('the TLS engine is not running');
      relays.push(spawn('nsenter', [`--net=/proc/${pid}/ns/net`, process.execPath, script, socket, `127.0.0.1:${INNER_PORT}`], { stdio: 'ignore' }));
      await waitFor('the relay in the TLS engine namespace', 10_000, () => spawnSync('test', ['-S', socket]).status === 0);
      const outer = spawn(process.execPath, [script, '127.0.0.1:0', socket], { stdio: ['ignore', 'pipe', 'ignore'] });
      relays.push(outer);
      const port = await new Promise<number>((resolve, reject) => {
        outer.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        outer.once('exit', (code) => reject(new Error(`the relay to the TLS engine exited (${String(code)})`)));
      });
      return new TlsEngine(engine, relays, port);
    } catch (error) {
      for (const relay of relays) relay.kill('SIGKILL');
      await engine.stop();
      throw error;
    }
  }

  /** DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as the docker CLI takes them. */
  get env(): { DOCKER_HOST: string; DOCKER_TLS_VERIFY: string; DOCKER_CERT_PATH: string } {
    return { DOCKER_HOST: this.host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: this.clientCerts };
  }

  /** `docker ARGS` against this engine over TLS, as a user would run it. */
  docker(args: string[], certPath = this.clientCerts): string {
    return execFileSync(
      'docker',
      [
        '--tlsverify',
        '-H',
        this.host,
        '--tlscacert',
        join(certPath, 'ca.pem'),
        '--tlscert',
        join(certPath, 'cert.pem'),
        '--tlskey',
        join(certPath, 'key.pem'),
        ...args,
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ).trim();
  }

  async stop(): Promise<void> {
    for (const relay of this.relays) if (relay.exitCode === null) relay.kill('SIGTERM');
    await this.engine.stop();
  }
}

/**
 * A byte relay, `node relay.js LISTEN TARGET`: each side a Unix socket path
 * or HOST:PORT. Listening on port 0, it prints the port it got. Its own
 * process (a test blocked in execFileSync must not stall it), with the
 * engine's folder in its command line, so the engine's stop() finds it.
 */
function writeRelayScript(dir: string): string {
  const script = join(dir, 'relay.js');
  writeFileSync(
    script,
    `const net = require('node:net');
const [listen, target] = process.argv.slice(2);
const address = (text) => (text.startsWith('/') ? { path: text } : { host: text.split(':')[0], port: Number(text.split(':')[1]) });
const server = net.createServer((client) => {
  const upstream = net.connect(address(target));
  client.pipe(upstream).pipe(client);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on('error', close);
  upstream.on('error', close);
});
server.listen(address(listen), () => { const bound = server.address(); if (typeof bound === 'object') console.log(bound.port); });
`,
  );
  return script;
}

/** A CA, the engine's certificate for 127.0.0.1, a client certificate, and a second CA that signed none of them. */
function makeCertificates(dir: string): { ca: string; serverCert: string; serverKey: string } {
  mkdirSync(dir, { recursive: true });
  const at = (name: string): string => join(dir, name);
  const openssl = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const selfSigned = (name: string): void => selfSignedCertificate({ key: at(`${name}-key.pem`), cert: at(`${name}.pem`) }, `/CN=drydock test ${name}`);
  const signed = (name: string, subject: string, extensions: string): void => {
    writeFileSync(at(`${name}.ext`), extensions);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at(`${name}-key.pem`), '-out', at(`${name}.csr`), '-subj', subject]);
    openssl([
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca-key.pem'),
      '-CAcreateserial',
      '-out',
      at(`${name}-cert.pem`),
      '-days',
      '2',
      '-extfile',
      at(`${name}.ext`),
    ]);
  };
  selfSigned('ca');
  selfSigned('other-ca');
  signed('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed('client', '/CN=drydock-test-client', 'extendedKeyUsage=clientAuth\n');
  for (const [folder, ca] of [
    ['client', 'ca.pem'],
    ['wrong-ca', 'other-ca.pem'],
  ] as const) {
    mkdirSync(at(folder));
    copyFileSync(at(ca), join(at(folder), 'ca.pem'));
    copyFileSync(at('client-cert.pem'), join(at(folder), 'cert.pem'));
    copyFileSync(at('client-key.pem'), join(at(folder), 'key.pem'));
  }
  return { ca: at('ca.pem'), serverCert: at('server-cert.pem'), serverKey: at('server-key.pem') };
}
