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

const PING_TIMEOUT_MS = 3000;

export interface Connection {
  docker: Dockerode;
  endpoint: EngineEndpoint;
}

/**
 * Finds the Docker engine the way the docker CLI would (DOCKER_HOST, the
 * current context, then the usual sockets) and returns the first that
 * answers a ping; the error lists every place tried and why each failed.
 */
export async function connectDocker(environment: DiscoveryEnvironment = nodeDiscoveryEnvironment()): Promise<Connection> {
  const candidates = engineCandidates(environment);
  const tried: string[] = [];
  for (const endpoint of candidates) {
    const docker = new Dockerode(endpoint.options);
    try {
      await withTimeout(docker.ping(), PING_TIMEOUT_MS);
      return { docker, endpoint };
    } catch (error) {
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

/**
 * The engine at one address (`unix://`, `tcp://`, `ssh://`), as `docker -H`
 * reaches it. A malformed address throws at once (naming the field); an
 * engine that does not answer is returned all the same: the caller's link
 * pings it and retries, since an engine may be added before it is started.
 */
export function connectEngineAt(hostUrl: string, environment: DiscoveryEnvironment = nodeDiscoveryEnvironment()): Connection {
  const endpoint = { ...hostEndpoint(environment, hostUrl), explicit: true };
  return { docker: new Dockerode(endpoint.options), endpoint };
}

/** The engine of a named Docker context (its host and TLS material, as `docker --context` reads them). */
export function connectEngineOfContext(context: string, environment: DiscoveryEnvironment = nodeDiscoveryEnvironment()): Connection {
  const endpoint = { ...namedContextEndpoint(environment, context), explicit: true };
  return { docker: new Dockerode(endpoint.options), endpoint };
}

/** A ping that gives up after a few seconds: an engine behind a dead TCP route never answers at all. */
export function pingWithin(docker: Dockerode, ms = PING_TIMEOUT_MS): Promise<unknown> {
  return withTimeout(docker.ping(), ms).catch((error: unknown) => {
    throw new Error(describeFailure(error));
  });
}

function describeFailure(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such socket';
  if (code === 'EACCES') return 'permission denied (add yourself to the docker group, or use rootless Docker)';
  if (code === 'ECONNREFUSED') return 'connection refused (is the engine running?)';
  return errorMessage(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
