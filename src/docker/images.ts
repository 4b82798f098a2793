import type Dockerode from 'dockerode';
import { DrydockError, errorMessage } from '../core/errors';
import { loginTarget, parseImageReference } from '../core/imageReference';
import { readFile } from './archive';
import { registryCredentials } from './registryAuth';
import { envRecord } from './containers';
import { dockerFailure, isNotFound } from './errors';
import type { ImageInfo, LocalImage, PullProgress } from './types';

export async function inspectImage(docker: Dockerode, reference: string): Promise<ImageInfo | undefined> {
  try {
    const info = await docker.getImage(reference).inspect();
    return {
      id: info.Id,
      user: info.Config?.User ?? '',
      repoTags: info.RepoTags ?? [],
      repoDigests: info.RepoDigests ?? [],
      createdAt: info.Created,
      ...pathOf(envRecord(info.Config?.Env ?? [])),
    };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw dockerFailure(error, `inspecting image ${reference}`);
  }
}

function pathOf(env: Record<string, string>): { pathEnv?: string } {
  return env.PATH === undefined ? {} : { pathEnv: env.PATH };
}

/** The engine's tagged images, one entry per tag, newest first (dangling `<none>` images left out). */
export async function listImages(docker: Dockerode): Promise<LocalImage[]> {
  let summaries: Dockerode.ImageInfo[];
  try {
    summaries = await docker.listImages();
  } catch (error) {
    throw dockerFailure(error, 'listing images');
  }
  const images = summaries.flatMap((image) =>
    (image.RepoTags ?? [])
      .filter((tag) => !tag.startsWith('<none>'))
      .map((reference) => ({
        reference,
        id: image.Id,
        createdAt: new Date(image.Created * 1000).toISOString(),
        sizeBytes: image.Size,
        repoDigests: image.RepoDigests ?? [],
      })),
  );
  return images.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.reference.localeCompare(b.reference));
}

/**
 * Pulls a reference from its registry, reporting layer progress. Credentials
 * come from the user's docker config as the docker CLI finds them; they go to
 * the engine in its X-Registry-Auth header and nowhere else. `signal` cancels
 * the pull: the connection is closed and the engine abandons it, so nothing
 * is tagged. Failures say which registry, why, and what to do.
 */
export async function pullImage(docker: Dockerode, reference: string, onProgress?: (progress: PullProgress) => void, signal?: AbortSignal): Promise<void> {
  const { registry } = parseImageReference(reference);
  const authconfig = await registryCredentials(registry);
  if (signal?.aborted) throw cancelled(reference);
  let stream: NodeJS.ReadableStream & { destroy?: () => void };
  try {
    stream = await docker.pull(reference, authconfig ? { authconfig } : {});
  } catch (error) {
    throw pullFailure(reference, registry, Boolean(authconfig), (error as { json?: { message?: string } }).json?.message ?? errorMessage(error), error);
  }
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      stream.destroy?.();
      reject(cancelled(reference));
    };
    // A cancel may have come while the engine was answering: then no abort event will fire any more.
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: { error?: string }[]) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) return reject(cancelled(reference));
        const failed = error?.message ?? events.find((event) => event.error)?.error;
        if (failed) reject(pullFailure(reference, registry, Boolean(authconfig), failed));
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

function cancelled(reference: string): DrydockError {
  return new DrydockError('interrupted', `the pull of ${reference} was cancelled; nothing was changed`);
}

/** What went wrong in a pull, in the user's terms: the engine's own words follow in parentheses (they never hold credentials). */
function pullFailure(reference: string, registry: string, hadCredentials: boolean, detail: string, error?: unknown): DrydockError {
  if (error && (error as { code?: string }).code && !(error as { statusCode?: number }).statusCode) return dockerFailure(error, `pulling ${reference}`);
  const login = `run \`docker login${loginTarget(registry)}\``;
  let why: string;
  if (/unauthorized|authentication required|no basic auth credentials|incorrect username or password|denied/i.test(detail)) {
    why = hadCredentials
      ? `registry ${registry} refused the credentials from your docker config; ${login} with the right ones`
      : `registry ${registry} wants credentials and your docker config has none for it; ${login}`;
  } else if (/connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|tls|x509|certificate|context deadline exceeded/i.test(detail)) {
    why = `registry ${registry} cannot be reached; check that it runs and that this machine can reach it`;
  } else if (/manifest unknown|not found|does not exist/i.test(detail)) {
    why = `registry ${registry} has no such image or tag; check the name and tag`;
  } else if (/no space left/i.test(detail)) {
    why = "the Docker engine's disk is full; free space (e.g. `docker image prune`)";
  } else {
    why = `registry ${registry} or the engine refused it`;
  }
  return new DrydockError('image_missing', `pulling ${reference} failed: ${why} (${detail.trim()}).`, 'image');
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

/**
 * Removes an image by id, never forced: the engine refuses one a container
 * uses or one with several tags, and then it is left alone (false).
 */
export async function removeImage(docker: Dockerode, id: string): Promise<boolean> {
  try {
    await docker.getImage(id).remove();
    return true;
  } catch (error) {
    if (isNotFound(error)) return true;
    if ((error as { statusCode?: number }).statusCode === 409) return false;
    throw dockerFailure(error, `removing image ${id.slice(0, 19)}`);
  }
}
