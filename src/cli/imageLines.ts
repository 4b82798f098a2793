import type { WorkspaceView } from '../api/views';
import { updateSentence, updateWord } from '../client/updateText';

/** `ubuntu:24.04 @ sha256:1a2b...`: the reference and the digest the last build ran. */
export function imageLine(workspace: WorkspaceView): string {
  if (workspace.imageDigest) return `${workspace.image} @ ${workspace.imageDigest}`;
  if (workspace.imageId) return `${workspace.image} @ ${workspace.imageId} (local image, no registry digest)`;
  return workspace.image;
}

/** What the registry last said about the workspace's tag and its pull ahead, for `status`. */
export function updateLine(workspace: WorkspaceView): string | undefined {
  return workspace.update ? updateSentence(workspace.update) : undefined;
}

/** The UPDATE column of `ls`: ready, pulling, available, - or ?. */
export function updateColumn(workspace: WorkspaceView): string {
  return workspace.update ? updateWord(workspace.update) : '';
}
