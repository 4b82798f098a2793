import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DrydockError } from '../core/errors';
import { credentialKey, hostOfKey } from '../core/imageReference';
import { credentialsFromHelper } from './credentialHelper';

/**
 * Credentials for one registry, as the engine's X-Registry-Auth takes them:
 * a user and password, or an identity token (OAuth refresh token). Held in
 * memory for one pull or check only; never logged, stored or put in an error.
 */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** `$DOCKER_CONFIG`, else `~/.docker`: where the docker CLI keeps config.json. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker');
}

/**
 * The credentials the docker CLI would use for `registry` (a host such as
 * `ghcr.io` or `127.0.0.1:5000`; Docker Hub is `docker.io`), found the way it
 * finds them: a `credHelpers` entry for the registry, else `credsStore`, runs
 * `docker-credential-NAME get`; otherwise `auths` (base64 `auth`, or
 * `username`/`password`, or `identitytoken`). Docker Hub is looked up under
 * its legacy key `https://index.docker.io/v1/`. Undefined: pull anonymously.
 */
export async function registryCredentials(registry: string, configDir = dockerConfigDir()): Promise<RegistryCredentials | undefined> {
  const config = await readConfig(join(configDir, 'config.json'));
  const key = credentialKey(registry);
  const helper = config.credHelpers?.[key] ?? config.credHelpers?.[registry] ?? config.credsStore;
  if (helper) {
    const found = await credentialsFromHelper(helper, key);
    if (!found) return undefined;
    // The helper protocol's way of saying "this secret is an identity token".
    return found.username === '<token>'
      ? { identitytoken: found.secret, serveraddress: key }
      : { username: found.username, password: found.secret, serveraddress: key };
  }
  const auths = config.auths ?? {};
  const entry = auths[key] ?? Object.entries(auths).find(([name]) => hostOfKey(name) === hostOfKey(key))?.[1];
  if (!entry) return undefined;
  if (entry.identitytoken) return { identitytoken: entry.identitytoken, serveraddress: key };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: key };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password, serveraddress: key };
  return undefined;
}

async function readConfig(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new DrydockError('image_missing', `cannot read the docker config ${path}: ${(error as Error).message}`, 'image');
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    // The parser's message would quote the file, credentials and all.
    throw new DrydockError('image_missing', `the docker config ${path} is not valid JSON; fix it (or run \`docker login\` again).`, 'image');
  }
}
