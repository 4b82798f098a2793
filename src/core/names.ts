/** Names and labels that Drydock gives the Docker objects it owns, and the naming rules for workspaces and users. */
export const LABEL = {
  managed: 'dev.drydock.managed',
  workspace: 'dev.drydock.workspace',
  user: 'dev.drydock.user',
  image: 'dev.drydock.image',
  buildId: 'dev.drydock.build-id',
  builtAt: 'dev.drydock.built-at',
} as const;

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
export function ownershipLabels(workspace: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.workspace]: workspace };
}
