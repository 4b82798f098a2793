/**
 * Image references as the docker CLI reads them: which registry, which
 * repository, which tag or digest. Pure, so the rules (Docker Hub's aliases,
 * `library/`, a first part that is a host only with a dot, a port or
 * `localhost`) are tested exactly.
 */
export interface ImageReference {
  /** The registry's host (and port) as the engine dials it; Docker Hub is `docker.io`. */
  registry: string;
  /** The repository path within the registry; Docker Hub's official images get `library/`. */
  repository: string;
  tag?: string;
  /** `sha256:...` when the reference is pinned to a digest. */
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
/** The key `docker login` uses for Docker Hub in config.json and in credential helpers. */
export const DOCKER_HUB_LEGACY_KEY = 'https://index.docker.io/v1/';
/** Where Docker Hub's registry API answers (docker.io itself does not). */
const DOCKER_HUB_API = 'registry-1.docker.io';

export function parseImageReference(reference: string): ImageReference {
  let rest = reference.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const isHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = isHost ? first : DOCKER_HUB;
  let repository = isHost ? rest.slice(slash + 1) : rest;
  if (registry === 'index.docker.io' || registry === DOCKER_HUB_API) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The host the registry's HTTP API answers on. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** The name a registry is known by in config.json and to credential helpers: Docker Hub keeps its legacy URL. */
export function credentialKey(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_LEGACY_KEY : registry;
}

/** What `docker login` takes for this registry (Docker Hub: nothing). */
export function loginTarget(registry: string): string {
  return registry === DOCKER_HUB ? '' : ` ${registry}`;
}

/**
 * The host part of a config.json `auths` key, as the docker CLI compares them:
 * `https://127.0.0.1:5000/v2/` and `127.0.0.1:5000` are the same registry.
 */
export function hostOfKey(key: string): string {
  const withoutScheme = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return withoutScheme.split('/')[0] ?? '';
}

/**
 * The digest the engine recorded for this reference's repository, out of an
 * image's RepoDigests (`127.0.0.1:5000/dev@sha256:...`, `ubuntu@sha256:...`).
 * Undefined for an image that never came from that registry (built or loaded here).
 */
export function digestFor(reference: string, repoDigests: readonly string[]): string | undefined {
  const wanted = parseImageReference(reference);
  for (const repoDigest of repoDigests) {
    const found = parseImageReference(repoDigest);
    if (found.digest && found.registry === wanted.registry && found.repository === wanted.repository) return found.digest;
  }
  return undefined;
}

/** A digest as people read it in a list: the algorithm and 12 hex digits. */
export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.includes(':') ? digest.split(':', 2) : ['sha256', digest];
  return `${algorithm}:${(hex ?? '').slice(0, 12)}`;
}

export type PullPolicy = 'always' | 'missing' | 'never';

/**
 * What a build does about pulling. `policy` is the call's or the workspace's
 * (undefined: the default). A digest names content that never changes, so it
 * is pulled only when missing. The default is `always` for a tag, except for
 * an image on the engine that never came from the reference's registry
 * (built or loaded here, so it has no digest from there): there is nothing
 * to update it from.
 */
export function pullDecision(
  reference: string,
  policy: PullPolicy | undefined,
  local: { repoDigests: readonly string[] } | undefined,
): 'pull' | 'use-local' | 'missing-never' {
  const pinned = parseImageReference(reference).digest !== undefined;
  const localOnly = local !== undefined && digestFor(reference, local.repoDigests) === undefined;
  const effective: PullPolicy = policy === 'never' ? 'never' : pinned ? 'missing' : (policy ?? (localOnly ? 'missing' : 'always'));
  if (effective === 'always') return 'pull';
  if (local) return 'use-local';
  return effective === 'never' ? 'missing-never' : 'pull';
}
