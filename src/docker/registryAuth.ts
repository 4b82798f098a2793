import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

interface AuthConfig {
  username: string;
  password: string;
  serveraddress: string;
}

/** The registry host of an image reference, as the docker CLI decides it. */
export function registryOf(reference: string): string {
  const first = reference.split('/')[0] ?? '';
  const isHost = reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return isHost ? first : 'https://index.docker.io/v1/';
}

/**
 * Credentials for a pull from the user's own `docker login` (config.json
 * `auths`), so private images pull as they do with the docker CLI. Credential
 * helpers are not consulted yet: those users get the registry's own error.
 */
export function registryAuth(reference: string): AuthConfig | undefined {
  const configDir = process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  let auths: Record<string, { auth?: string }> | undefined;
  try {
    auths = (JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { auths?: Record<string, { auth?: string }> }).auths;
  } catch {
    return undefined;
  }
  const registry = registryOf(reference);
  const entry = auths?.[registry] ?? auths?.[`https://${registry}`];
  if (!entry?.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const at = decoded.indexOf(':');
  if (at < 0) return undefined;
  return { username: decoded.slice(0, at), password: decoded.slice(at + 1), serveraddress: registry };
}
