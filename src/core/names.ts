/** Names and labels that Drydock gives the Docker objects it owns (DESIGN.md "Workspace"). */
export const LABEL = {
  managed: 'dev.drydock.managed',
  workspace: 'dev.drydock.workspace',
  user: 'dev.drydock.user',
  image: 'dev.drydock.image',
  buildId: 'dev.drydock.build-id',
  builtAt: 'dev.drydock.built-at',
} as const;

export const WORKSPACE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

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
