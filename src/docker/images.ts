import type Dockerode from 'dockerode';
import { DrydockError } from '../core/errors';
import { readFile } from './archive';
import { registryAuth } from './registryAuth';
import { dockerFailure, isNotFound } from './errors';
import type { ImageInfo, PullProgress } from './types';

export async function inspectImage(docker: Dockerode, reference: string): Promise<ImageInfo | undefined> {
  try {
    const info = await docker.getImage(reference).inspect();
    return { id: info.Id, user: info.Config?.User ?? '', repoTags: info.RepoTags ?? [], createdAt: info.Created };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw dockerFailure(error, `inspecting image ${reference}`);
  }
}

/** Pulls a tag from its registry, reporting layer progress; credentials come from the user's docker config. */
export async function pullImage(docker: Dockerode, reference: string, onProgress?: (progress: PullProgress) => void): Promise<void> {
  const authconfig = registryAuth(reference);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(reference, authconfig ? { authconfig } : {});
  } catch (error) {
    throw dockerFailure(error, `pulling ${reference}`);
  }
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: { error?: string }[]) => {
        const failed = error?.message ?? events.find((event) => event.error)?.error;
        if (failed) reject(new DrydockError('image_missing', `pulling ${reference} failed: ${failed}`, 'image'));
        else resolve();
      },
      (event: { status?: string; id?: string; progressDetail?: { current?: number; total?: number } }) => {
        if (!onProgress || !event.status) return;
        const progress: PullProgress = { status: event.status };
        if (event.id) progress.layer = event.id;
        if (event.progressDetail?.current !== undefined) progress.current = event.progressDetail.current;
        if (event.progressDetail?.total !== undefined) progress.total = event.progressDetail.total;
        onProgress(progress);
      },
    );
  });
}

/**
 * A file from an image without running it: a created (never started) scratch
 * container is read through the archive API and removed. Labelled as ours so
 * that a crash in between leaves nothing unaccounted for.
 */
export async function readImageFile(docker: Dockerode, imageId: string, path: string, labels: Record<string, string>): Promise<Buffer | undefined> {
  let containerId: string | undefined;
  try {
    const container = await docker.createContainer({ Image: imageId, Labels: labels, Entrypoint: ['/nonexistent'], Cmd: [], NetworkDisabled: true });
    containerId = container.id;
    return await readFile(docker, containerId, path);
  } catch (error) {
    throw dockerFailure(error, `reading ${path} from image ${imageId.slice(0, 19)}`);
  } finally {
    if (containerId)
      await docker
        .getContainer(containerId)
        .remove({ force: true })
        .catch(() => undefined);
  }
}
