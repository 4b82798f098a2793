import { formatDuration } from './duration';
import type { SpecInput, WorkspaceSpec } from './spec';

/**
 * The spec a container or home volume carries in its labels, so that a
 * backend whose state file was lost adopts a workspace whole (image, user,
 * resources, hooks, dotfiles), not just its image. Labels are readable by
 * anyone who can inspect the object, so no secret value goes in: env values
 * stay only in the container's environment (restored from there), and a
 * dotfiles URL loses any user:password part.
 */
interface LabelledSpec {
  spec: SpecInput;
  envKeys: string[];
}

export function specLabel(spec: WorkspaceSpec): string {
  const input: SpecInput = {
    name: spec.name,
    image: spec.image,
    ...(spec.user ? { user: spec.user } : {}),
    ...(spec.cpus !== undefined ? { cpus: spec.cpus } : {}),
    ...(spec.memoryBytes !== undefined ? { memory: spec.memoryBytes } : {}),
    ...(spec.pullPolicy ? { pullPolicy: spec.pullPolicy } : {}),
    configurePath: spec.configurePath,
    hookTimeout: formatDuration(spec.hookTimeoutMs),
    ...(spec.sshKey ? { sshKey: spec.sshKey } : {}),
    ...(spec.knownHosts !== undefined ? { knownHosts: spec.knownHosts } : {}),
    secrets: spec.secrets.map(({ source, target, mode }) => ({ source, target, mode })),
    ...(spec.dotfiles ? { dotfiles: { url: withoutCredentials(spec.dotfiles.url), ...(spec.dotfiles.branch ? { branch: spec.dotfiles.branch } : {}) } } : {}),
  };
  const labelled: LabelledSpec = { spec: input, envKeys: Object.keys(spec.env) };
  return JSON.stringify(labelled);
}

/**
 * The spec back from a label, its env values taken from `env` (the
 * container's environment). Names the variables whose values could not be
 * restored. Undefined for a missing or unreadable label.
 */
export function specFromLabel(text: string | undefined, env: Record<string, string> = {}): { spec: SpecInput; lostEnv: string[] } | undefined {
  if (!text) return undefined;
  let parsed: LabelledSpec;
  try {
    parsed = JSON.parse(text) as LabelledSpec;
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.spec !== 'object' || parsed.spec === null) return undefined;
  const keys = Array.isArray(parsed.envKeys) ? parsed.envKeys.filter((key): key is string => typeof key === 'string') : [];
  const restored = Object.fromEntries(keys.filter((key) => key in env).map((key) => [key, env[key] ?? '']));
  return { spec: { ...parsed.spec, ...(Object.keys(restored).length > 0 ? { env: restored } : {}) }, lostEnv: keys.filter((key) => !(key in env)) };
}

function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
