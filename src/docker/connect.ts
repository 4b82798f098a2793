import Dockerode from 'dockerode';
import { DrydockError, errorMessage } from '../core/errors';
import {
  defaultSocketPaths,
  engineCandidates,
  hostEndpoint,
  namedContextEndpoint,
  nodeDiscoveryEnvironment,
  type DiscoveryEnvironment,
  type EngineEndpoint,
} from './discovery';
import { SshHostKeyError } from './ssh/hostKeyError';
import { sshTargetFor } from './ssh/sshConfig';
import { SshEngineLink } from './ssh/sshConnection';

const PING_TIMEOUT_MS = 3000;
/** An SSH engine's first ping includes the handshake and the far side starting `docker`. */
const SSH_PING_TIMEOUT_MS = 15_000;

export interface Connection {
  docker: Dockerode;
  endpoint: EngineEndpoint;
  /** Ends what the connection holds open (an SSH link); a socket or TCP engine needs nothing. */
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
  const candidates = engineCandidates(environment);
  const tried: string[] = [];
  for (const endpoint of candidates) {
    const connection = open(endpoint, environment);
    try {
      await pingWithin(connection.docker, pingTimeoutFor(endpoint));
      return connection;
    } catch (error) {
      connection.close();
      if (error instanceof SshHostKeyError) throw error;
      tried.push(`${endpoint.description}: ${errorMessage(error)}`);
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

/**
 * The engine at one address (`unix://`, `tcp://` with TLS from
 * DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, `ssh://` with ~/.ssh/config aliases),
 * as `docker -H` reaches it. A malformed address throws at once (naming the
 * field); an engine that does not answer is returned all the same, not
 * pinged: the caller pings (`pingWithin`) and retries.
 */
export function connectEngineAt(hostUrl: string, environment: DiscoveryEnvironment = nodeDiscoveryEnvironment()): Connection {
  return open({ ...hostEndpoint(environment, hostUrl), explicit: true }, environment);
}

/** The engine of a named Docker context (its host and TLS material, as `docker --context` reads them); not pinged. */
export function connectEngineOfContext(context: string, environment: DiscoveryEnvironment = nodeDiscoveryEnvironment()): Connection {
  return open({ ...namedContextEndpoint(environment, context), explicit: true }, environment);
}

/**
 * A ping that gives up after a while: an engine behind a dead TCP route never
 * answers at all. The failure is explained; a refused SSH host key stays
 * itself (its code and key), so a client can offer to trust it.
 */
export function pingWithin(docker: Dockerode, ms = PING_TIMEOUT_MS): Promise<unknown> {
  return withTimeout(docker.ping(), ms).catch((error: unknown) => {
    if (error instanceof DrydockError) throw error;
    throw new Error(describeFailure(error));
  });
}

function open(endpoint: EngineEndpoint, environment: DiscoveryEnvironment): Connection {
  const { options } = endpoint;
  if (!('protocol' in options) || options.protocol !== 'ssh') {
    return { docker: new Dockerode(options), endpoint, close: () => undefined };
  }
  const link = new SshEngineLink({
    target: sshTargetFor(options, environment),
    agentSocket: environment.env.SSH_AUTH_SOCK,
    readFile: (path) => environment.readFile(path),
  });
  // Plain HTTP over the link's channels: the host name is never dialled, the agent opens each connection.
  const docker = new Dockerode({ protocol: 'http', host: 'ssh-engine', port: 80, agent: link.agent } as Dockerode.DockerOptions);
  return { docker, endpoint: { ...endpoint, description: `${endpoint.description} (SSH ${link.description})` }, close: () => link.close() };
}

/** How long a first ping may take: an SSH engine's includes the handshake and the far side starting `docker`. */
export function pingTimeoutFor(endpoint: EngineEndpoint): number {
  return isSsh(endpoint) ? SSH_PING_TIMEOUT_MS : PING_TIMEOUT_MS;
}

function isSsh(endpoint: EngineEndpoint): boolean {
  return 'protocol' in endpoint.options && endpoint.options.protocol === 'ssh';
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
