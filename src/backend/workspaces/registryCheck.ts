import { errorMessage } from '../../core/errors';
import { parseImageReference } from '../../core/imageReference';
import type { WorkspaceSpec } from '../../core/spec';
import type { DockerAdapter } from '../../docker/adapter';
import type { WorkspaceRecord } from './records';

/**
 * Asks the registry (one HEAD of the manifest, nothing pulled) what the
 * workspace's tag points at now: the views compare it with the digest the
 * workspace runs. A digest-pinned or local-only image has nothing to check
 * (undefined). A failed check comes back with its reason, never thrown.
 */
export async function registryCheck(
  record: Readonly<WorkspaceRecord>,
  spec: WorkspaceSpec | undefined,
  docker: DockerAdapter,
): Promise<NonNullable<WorkspaceRecord['updateCheck']> | undefined> {
  const reference = spec?.image;
  if (!reference || parseImageReference(reference).digest || !record.image?.digest) return undefined;
  const check: NonNullable<WorkspaceRecord['updateCheck']> = { reference, checkedAt: new Date().toISOString() };
  try {
    check.latestDigest = await docker.images.remoteDigest(reference);
  } catch (error) {
    check.error = errorMessage(error);
  }
  return check;
}
