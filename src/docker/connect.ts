import Dockerode from 'dockerode';
import { DrydockError, errorMessage, isDrydockError } from '../core/errors';
import {
  defaultSocketPaths,
  endpointForContext,
  endpointForHost,
  engineCandidates,
  nodeDiscoveryEnvironment,
  type DiscoveryEnvironment,
  type EngineEndpoint,
} from './discovery';
import { sshTargetFor } from './ssh/sshConfig';

const PING_TIMEOUT_MS = 3000;
/** An SSH engine's first ping includes the handshake and the far side starting `docker`. */
const SSH_PING_TIMEOUT_MS = 15_000;

export interface Connection {
  docker: Dockerode;
  endpoint: EngineEndpoint;
  /** Ends what the connection holds open (an SSH link); a socket or TCP connection needs nothing. */
  close(): void;
}

/**
 * Finds the Docker engine the way the docker CLI would (DOCKER_HOST, the
 * current context, then the usual sockets) and returns the first that
 * answers a ping; the error lists every place tried and why each failed.
 * An SSH host key that is unknown or changed is reported as itself: the user
 * must act on it, and trying elsewhere would hide it.
 */
export async function connectDocker(environment: DiscoveryEnvironment = nodeDiscoveryEnvironment()): Promise<Connection> {
  return firstAnswering(engineCandidates(environment), environment);
}

/** A configured engine by address (`unix://`, `tcp://` with `certPath` for TLS, `ssh://`), for one of several engines. */
export async function connectEngineAt(host: string, certPath?: string, environment: DiscoveryEnvironment = nodeDiscoveryEnvironment()): Promise<Connection> {
  return firstAnswering([endpointForHost(environment, host, certPath)], environment);
}

/** A Docker context by name, with its TLS material or SSH host. */
export async function connectContext(name: string, environment: DiscoveryEnvironment = nodeDiscoveryEnvironment()): Promise<Connection> {
  return firstAnswering([endpointForContext(environment, name)], environment);
}

async function firstAnswering(candidates: EngineEndpoint[], environment: DiscoveryEnvironment): Promise<Connection> {
  const tried: string[] = [];
  for (const endpoint of candidates) {
    const connection = await open(endpoint, environment);
    const ssh = 'protocol' in endpoint.options && endpoint.options.protocol === 'ssh';
    try {
      await withTimeout(connection.docker.ping(), ssh ? SSH_PING_TIMEOUT_MS : PING_TIMEOUT_MS);
      return connection;
    } catch (error) {
      connection.close();
      if (isDrydockError(error, 'ssh_host_key_unknown') || isDrydockError(error, 'ssh_host_key_changed')) throw error;
      tried.push(`${endpoint.description}: ${describeFailure(error)}`);
    }
  }
  if (candidates.length === 0) {
    for (const socket of defaultSocketPaths(environment)) tried.push(`${socket.description}: no such socket`);
  }
  throw new DrydockError(
    'docker_unreachable',
    `No Docker engine answered. Tried:\n  - ${tried.join('\n  - ')}\nStart Docker (for example \`sudo systemctl start docker\` or \`dockerd\`), or point DOCKER_HOST at a running engine.`,
  );
}

async function open(endpoint: EngineEndpoint, environment: DiscoveryEnvironment): Promise<Connection> {
  const { options } = endpoint;
  if (!('protocol' in options) || options.protocol !== 'ssh') {
    return { docker: new Dockerode(options), endpoint, close: () => undefined };
  }
  const { SshEngineLink } = await loadSsh();
  const link = new SshEngineLink({
    target: sshTargetFor(options, environment),
    agentSocket: environment.env.SSH_AUTH_SOCK,
    readFile: (path) => environment.readFile(path),
  });
  // Plain HTTP over the link's channels: the host name is never dialled, the agent opens each connection.
  const docker = new Dockerode({ protocol: 'http', host: 'ssh-engine', port: 80, agent: link.agent } as Dockerode.DockerOptions);
  return { docker, endpoint: { ...endpoint, description: `${endpoint.description} (SSH ${link.description})` }, close: () => link.close() };
}

/** ssh2 (with its crypto) is loaded only when an engine is reached over SSH: most backends never need it. */
export function loadSsh(): Promise<typeof import('./ssh/sshConnection')> {
  return import('./ssh/sshConnection');
}

/** Node's codes for a server certificate that does not chain to the CA given. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

function describeFailure(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such socket';
  if (code === 'EACCES') return 'permission denied (add yourself to the docker group, or use rootless Docker)';
  if (code === 'ECONNREFUSED') return 'connection refused (is the engine running?)';
  if (code && UNTRUSTED_CERTIFICATE.has(code)) {
    return `the engine's TLS certificate is not trusted (${errorMessage(error)}): ca.pem must be the CA that signed the engine's certificate; Drydock did not connect`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the engine's TLS certificate is for another host (${errorMessage(error)}); use the address its certificate names`;
  if (code === 'CERT_HAS_EXPIRED') return "the engine's TLS certificate has expired; renew it on the engine";
  if (/alert (bad certificate|certificate required|unknown ca)/i.test(errorMessage(error))) {
    return `the engine refused this client's TLS certificate (${errorMessage(error)}): cert.pem and key.pem must be signed by a CA the engine trusts (its --tlscacert)`;
  }
  return errorMessage(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
