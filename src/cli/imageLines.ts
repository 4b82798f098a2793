import type { WorkspaceView } from '../api/views';

/** `ubuntu:24.04 @ sha256:1a2b...`: the reference and the digest the last build ran. */
export function imageLine(workspace: WorkspaceView): string {
  if (workspace.imageDigest) return `${workspace.image} @ ${workspace.imageDigest}`;
  if (workspace.imageId) return `${workspace.image} @ ${workspace.imageId} (local image, no registry digest)`;
  return workspace.image;
}

/** What the registry last said about the workspace's tag, for `status`. */
export function updateLine(workspace: WorkspaceView): string | undefined {
  const update = workspace.update;
  if (!update) return undefined;
  const when = `checked ${update.checkedAt}`;
  if (update.error) return `unknown (${when}: ${update.error})`;
  return update.available ? `available: the tag now points at ${update.latestDigest ?? '?'}; rebuild to take it (${when})` : `none (${when})`;
}

/** The UPDATE column of `ls`. */
export function updateColumn(workspace: WorkspaceView): string {
  const update = workspace.update;
  if (!update) return '';
  if (update.error) return '?';
  return update.available ? 'available' : '-';
}
