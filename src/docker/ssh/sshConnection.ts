/**
 * A Docker engine over SSH, as the docker CLI reaches one: each HTTP
 * connection is a `docker system dial-stdio` run on the far side. Unlike
 * docker-modem's own ssh transport (a new SSH handshake for every request),
 * one SSH connection is kept and each HTTP connection is a channel on it,
 * and idle HTTP connections are reused, so a request costs a round trip, not
 * a handshake.
 *
 * The host key is checked against known_hosts before anything is sent;
 * authentication offers the SSH agent's keys, then the key files.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { DrydockError } from '../../core/errors';
import { SshHostKeyError, type PresentedHostKey } from './hostKeyError';
import { checkHostKey, fingerprintOf, keyTypeOf } from './knownHosts';
import type { SshTarget } from './sshConfig';
import { authMethods, usableKeyFiles, type KeyFile } from './sshKeys';

export interface SshEnvironment {
  target: SshTarget;
  /** SSH_AUTH_SOCK */
  agentSocket?: string;
  /** undefined when missing or unreadable */
  readFile(path: string): Buffer | undefined;
}

const READY_TIMEOUT_MS = 10_000;
const GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
/** An idle HTTP connection (a dial-stdio channel) is closed after this. */
const IDLE_CHANNEL_MS = 15_000;
/** The SSH connection is closed once no channel has been open for this long. */
const IDLE_CONNECTION_MS = 30_000;

const KEY_ALGORITHMS: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

export class SshEngineLink {
  readonly agent: http.Agent;
  private connection: Promise<Client> | undefined;
  private openChannels = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly environment: SshEnvironment) {
    this.agent = new DialStdioAgent(() => this.dial());
  }

  get description(): string {
    const { target } = this.environment;
    return `${target.username}@${target.hostname}:${target.port}`;
  }

  /** Opens a `docker system dial-stdio` channel: one HTTP connection to the far engine. */
  async dial(): Promise<Duplex> {
    if (this.closed) throw new Error('the SSH link to the engine was closed');
    const client = await this.connect();
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      client.exec('docker system dial-stdio', (error, stream) => (error ? reject(error) : resolve(stream)));
    });
    this.openChannels++;
    clearTimeout(this.idleTimer);
    let stderr = '';
    channel.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString();
    });
    channel.once('close', () => {
      this.openChannels--;
      if (this.openChannels === 0) this.scheduleIdleClose();
    });
    channel.once('exit', (code: number | null) => {
      // The far side has no docker CLI, or it could not reach its engine: say so on the stream.
      if (code !== 0 && code !== null)
        channel.emit('error', new Error(`\`docker system dial-stdio\` on ${this.description} exited ${code}: ${stderr.trim() || 'no output'}`));
    });
    return asSocket(channel);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.agent.destroy();
    void this.connection?.then((client) => client.end()).catch(() => undefined);
    this.connection = undefined;
  }

  private connect(): Promise<Client> {
    if (this.connection) return this.connection;
    const connection = openSsh(this.environment).then(
      (client) => {
        // A dropped connection is replaced on the next dial; only this one is forgotten, never a newer one.
        const forget = (): void => {
          if (this.connection === connection) this.connection = undefined;
        };
        client.on('close', forget);
        client.on('error', forget);
        return client;
      },
      (error: unknown) => {
        if (this.connection === connection) this.connection = undefined;
        throw error;
      },
    );
    this.connection = connection;
    return connection;
  }

  private scheduleIdleClose(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      const connection = this.connection;
      this.connection = undefined;
      void connection?.then((client) => client.end()).catch(() => undefined);
    }, IDLE_CONNECTION_MS);
    this.idleTimer.unref();
  }
}

/**
 * Connects, verifies the host key and authenticates. A key known_hosts does
 * not know, or one that differs from the known one, is refused with what the
 * user must do.
 */
export function openSsh(environment: SshEnvironment): Promise<Client> {
  return handshake(environment, false).then((result) => result.client);
}

/** The key the host presents, without authenticating (for `drydock engine trust`). */
export async function presentedHostKey(environment: SshEnvironment): Promise<PresentedHostKey> {
  const { presented } = await handshake(environment, true);
  if (!presented) throw new DrydockError('docker_unreachable', `${describe(environment.target)} presented no host key.`);
  return presented;
}

async function handshake(environment: SshEnvironment, probeOnly: boolean): Promise<{ client: Client; presented?: PresentedHostKey }> {
  // ssh2 (with its crypto) loads on the first SSH connection: most backends never reach an engine over SSH.
  const ssh2 = await import('ssh2');
  const { target } = environment;
  // The system-wide list counts too, as in OpenSSH; trusting writes only to the user's.
  const knownHostsText = [target.knownHostsFile, ...GLOBAL_KNOWN_HOSTS].map((file) => environment.readFile(file)?.toString('utf8') ?? '').join('\n');
  const keyFiles = usableKeyFiles(environment, (key) => ssh2.utils.parseKey(key));
  let presented: PresentedHostKey | undefined;
  const client = new ssh2.Client();
  const known = checkHostKey(knownHostsText, target.hostname, target.port, Buffer.alloc(0)).knownTypes;
  const config: ConnectConfig = {
    host: target.hostname,
    port: target.port,
    username: target.username,
    readyTimeout: READY_TIMEOUT_MS,
    keepaliveInterval: 15_000,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer): boolean => {
      const verdict = checkHostKey(knownHostsText, target.hostname, target.port, key);
      presented = {
        host: target.hostname,
        port: target.port,
        keyType: keyTypeOf(key),
        fingerprint: fingerprintOf(key),
        key: key.toString('base64'),
        status: verdict.status,
        knownHostsFile: target.knownHostsFile,
        url: `ssh://${target.username}@${target.hostname}:${target.port}`,
      };
      return !probeOnly && verdict.status === 'known';
    },
    authHandler: authMethods(environment, keyFiles),
  };
  // Prefer the key types known_hosts has for this host, as OpenSSH does, so a host with several keys is not "changed".
  if (known.length > 0) config.algorithms = { serverHostKey: { prepend: known.flatMap((type) => KEY_ALGORITHMS[type] ?? [type]) } as never };
  return new Promise((resolve, reject) => {
    client.once('ready', () => {
      // Small request/answer exchanges: Nagle's delay would add tens of milliseconds to each.
      client.setNoDelay(true);
      resolve({ client, presented });
    });
    client.once('error', (error) => {
      client.end();
      if (probeOnly && presented) resolve({ client, presented });
      else if (presented && presented.status !== 'known') reject(hostKeyError(environment.target, presented));
      else reject(connectError(environment, error, keyFiles));
    });
    client.connect(config);
  });
}

function hostKeyError(target: SshTarget, key: PresentedHostKey): SshHostKeyError {
  const where = describe(target);
  const { url } = key;
  if (key.status === 'changed') {
    return new SshHostKeyError(
      'ssh_host_key_changed',
      `WARNING: the SSH host key of ${where} has CHANGED (it now presents ${key.keyType} ${key.fingerprint}, which ${target.knownHostsFile} does not list for it). ` +
        `Someone may be intercepting the connection, or the host was reinstalled. Drydock refuses it and will not offer to trust it. ` +
        `Check the new fingerprint with the host's administrator; only if it is right, remove the old key with \`ssh-keygen -R ${hostField(target)} -f ${target.knownHostsFile}\` and trust the new one with \`drydock engine trust ${url}\`.`,
      key,
    );
  }
  if (key.status === 'revoked') {
    return new SshHostKeyError(
      'ssh_host_key_changed',
      `The SSH host key of ${where} (${key.keyType} ${key.fingerprint}) is marked @revoked in ${target.knownHostsFile}; Drydock refuses it.`,
      key,
    );
  }
  return new SshHostKeyError(
    'ssh_host_key_unknown',
    `The SSH host key of ${where} is not known (${key.keyType} ${key.fingerprint}; not in ${target.knownHostsFile}). ` +
      `If that fingerprint is the host's, trust it with \`drydock engine trust ${url}\` (or \`ssh ${target.username}@${target.hostname} -p ${target.port}\` once and accept it), then Drydock connects.`,
    key,
  );
}

function connectError(environment: SshEnvironment, error: Error, keyFiles: KeyFile[]): DrydockError {
  const { target } = environment;
  const level = (error as { level?: string }).level;
  if (level === 'client-authentication') {
    const tried = [environment.agentSocket ? `the SSH agent (${environment.agentSocket})` : undefined, ...keyFiles.map((file) => file.path)].filter(Boolean);
    return new DrydockError(
      'docker_unreachable',
      `${describe(target)} refused every key offered (${tried.length > 0 ? tried.join(', ') : 'none found: no SSH agent and no key file'}). ` +
        `Add your public key to ${target.username}'s ~/.ssh/authorized_keys there, load it into your SSH agent, or name it with IdentityFile in ~/.ssh/config.`,
    );
  }
  return new DrydockError('docker_unreachable', `${describe(target)}: ${error.message}`);
}

function describe(target: SshTarget): string {
  const alias = target.alias !== target.hostname ? ` (Host ${target.alias})` : '';
  return `${target.hostname} port ${target.port}${alias}`;
}

function hostField(target: SshTarget): string {
  return target.port === 22 ? target.hostname : `'[${target.hostname}]:${target.port}'`;
}

/**
 * Node's HTTP agent treats its connections as sockets (keep-alive, ref,
 * timeouts); an SSH channel is a plain duplex stream, so those become no-ops.
 */
function asSocket(channel: ClientChannel): Duplex {
  const socket = channel as unknown as Record<string, unknown>;
  for (const method of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref']) {
    if (typeof socket[method] !== 'function') socket[method] = () => channel;
  }
  return channel;
}

/** Keeps idle connections for reuse, closing them after a while; each new one is a dial-stdio channel. */
class DialStdioAgent extends http.Agent {
  private readonly idle = new WeakMap<Duplex, NodeJS.Timeout>();

  constructor(private readonly open: () => Promise<Duplex>) {
    super({ keepAlive: true, maxFreeSockets: 8 });
  }

  override createConnection(_options: unknown, callback?: (error: Error | null, socket: Duplex) => void): Duplex | undefined {
    this.open().then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }

  override keepSocketAlive(socket: Duplex): boolean {
    const timer = setTimeout(() => socket.destroy(), IDLE_CHANNEL_MS);
    timer.unref();
    this.idle.set(socket, timer);
    // Node's agent does its socket bookkeeping (on the channel, no-ops) and may decline by the server's hint.
    return (super.keepSocketAlive(socket) as unknown) !== false;
  }

  override reuseSocket(socket: Duplex, request: http.ClientRequest): void {
    clearTimeout(this.idle.get(socket));
    this.idle.delete(socket);
    super.reuseSocket(socket, request);
  }
}
