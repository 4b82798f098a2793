import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DockerAdapter } from '../../src/docker/adapter';

/** A workspace name no other test run uses, so parallel or leftover runs never collide. */
export function uniqueName(prefix: string): string {
  return `t-${prefix}-${randomBytes(3).toString('hex')}`;
}

export function connect(): Promise<DockerAdapter> {
  return DockerAdapter.connect();
}

/** Cleans up by label, never by prune: only what this test's workspaces own goes. */
export function removeWorkspaceObjects(workspace: string): void {
  const label = `dev.drydock.workspace=${workspace}`;
  const containers = docker(['ps', '-aq', '--filter', `label=${label}`]);
  if (containers) docker(['rm', '-f', ...containers.split('\n')]);
  const volumes = docker(['volume', 'ls', '-q', '--filter', `label=${label}`]);
  if (volumes) docker(['volume', 'rm', '-f', ...volumes.split('\n')]);
}

/** Every container and volume whose name starts with `prefix` (Docker's name filter matches anywhere, so it is checked again). */
export function removeObjectsNamed(prefix: string): void {
  const containers = docker(['ps', '-a', '--filter', `name=${prefix}`, '--format', '{{.Names}}'])
    .split('\n')
    .filter((name) => name.startsWith(prefix));
  if (containers.length > 0) docker(['rm', '-f', ...containers]);
  const volumes = docker(['volume', 'ls', '--filter', `name=${prefix}`, '--format', '{{.Name}}'])
    .split('\n')
    .filter((name) => name.startsWith(prefix));
  if (volumes.length > 0) docker(['volume', 'rm', '-f', ...volumes]);
}

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Runs a command in a workspace container as the given user (default: the container's). */
export function dockerExec(container: string, command: string, user?: string): string {
  return docker(['exec', ...(user ? ['-u', user] : []), container, '/bin/sh', '-c', command]);
}

/** The owner the in-process lifecycle tests label their objects with (a backend derives its own from its state folder). */
export const TEST_OWNERSHIP = { owner: 'drydock-tests', claimsLegacy: (): boolean => false };
