/** Names and labels that Drydock gives the Docker objects it owns, and the naming rules for workspaces and users. */
export const LABEL = {
  managed: 'dev.drydock.managed',
  workspace: 'dev.drydock.workspace',
  user: 'dev.drydock.user',
  image: 'dev.drydock.image',
  buildId: 'dev.drydock.build-id',
  builtAt: 'dev.drydock.built-at',
  /** Which backend made the object: a stable id of its user and state folder (see backend/daemon/ownerId.ts). */
  owner: 'dev.drydock.owner',
  /** The workspace's spec without secret values, so a backend that lost its state file can adopt it whole. */
  spec: 'dev.drydock.spec',
  /** The engine's name as the backend that made the object calls it (`drydock engine ls`). */
  engine: 'dev.drydock.engine',
} as const;

/** The engine a backend finds by itself (DOCKER_HOST, the current context, the usual sockets). */
export const LOCAL_ENGINE = 'local';
/** What `create --engine` takes for "place it for me". */
export const AUTO_ENGINE = 'auto';
export const ENGINE_NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

export const WORKSPACE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A POSIX user name as useradd takes it: what a workspace's `user` may be. */
export const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

export function containerName(workspace: string): string {
  return `drydock-${workspace}`;
}

export function homeVolumeName(workspace: string): string {
  return `drydock-${workspace}-home`;
}

export function homeDir(user: string): string {
  return `/home/${user}`;
}

/** Labels every object of this workspace carries; list and inspect filter by them, never by name alone. */
export function ownershipLabels(workspace: string, owner: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.workspace]: workspace, [LABEL.owner]: owner };
}

/**
 * Whose object this is, from its labels: ours, another backend's, or made
 * before objects carried an owner (`legacy`, which a backend claims only for
 * the workspaces its own state file names).
 */
export function ownerOf(labels: Record<string, string>, workspace: string, owner: string): 'ours' | 'legacy' | 'other' | 'not-drydock' {
  if (labels[LABEL.managed] !== 'true' || labels[LABEL.workspace] !== workspace) return 'not-drydock';
  const label = labels[LABEL.owner];
  if (label === undefined) return 'legacy';
  return label === owner ? 'ours' : 'other';
}
