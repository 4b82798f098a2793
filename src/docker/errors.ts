import { DrydockError, errorMessage } from '../core/errors';

interface DockerodeError {
  statusCode?: number;
  code?: string;
  json?: { message?: string };
  reason?: string;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Turns whatever dockerode threw into a DrydockError that says what we were doing. */
export function dockerFailure(error: unknown, doing: string): DrydockError {
  if (error instanceof DrydockError) return error;
  const docker = error as DockerodeError;
  if (docker.code && UNREACHABLE.has(docker.code)) {
    return new DrydockError('docker_unreachable', `Docker cannot be reached while ${doing} (${docker.code}); start the Docker engine and try again.`);
  }
  const detail = docker.json?.message ?? docker.reason ?? errorMessage(error);
  if (docker.statusCode === 404) return new DrydockError('not_found', `${doing}: ${detail}`);
  if (docker.statusCode === 409) return new DrydockError('conflict', `${doing}: ${detail}`);
  return new DrydockError('docker_error', `Docker failed while ${doing}: ${detail}`);
}

export function isNotFound(error: unknown): boolean {
  return (error as DockerodeError).statusCode === 404;
}
