import { DrydockError, errorMessage } from '../../core/errors';
import type { PullPolicy } from '../../core/spec';
import type { DockerAdapter, ImageInfo, PullProgress } from '../../docker/adapter';
import type { BuildReporter } from './buildReporter';

/**
 * Step 1 of a rebuild: the image to run, pulled according to the policy. A
 * registry that cannot be reached falls back to the local image (with a
 * warning); no image at all is an error raised before anything is removed.
 */
export async function resolveImage(docker: DockerAdapter, reference: string, policy: PullPolicy, reporter: BuildReporter): Promise<ImageInfo> {
  const local = policy === 'always' ? undefined : await docker.images.inspect(reference);
  if (local) {
    reporter.info(`Using local image ${reference} (${local.id.slice(7, 19)}); pull policy "${policy}".`);
    return local;
  }
  if (policy === 'never') throw missing(reference, 'the pull policy is "never"');
  try {
    reporter.info(`Pulling ${reference}...`);
    await docker.images.pull(reference, pullProgressReporter(reporter));
  } catch (error) {
    const fallback = await docker.images.inspect(reference);
    if (fallback) {
      reporter.warn(`Could not pull ${reference} (${errorMessage(error)}); using the local image ${fallback.id.slice(7, 19)}.`);
      return fallback;
    }
    throw missing(reference, errorMessage(error));
  }
  const pulled = await docker.images.inspect(reference);
  if (!pulled) throw missing(reference, 'the pull reported success but the image is not there');
  reporter.info(`Pulled ${reference} (${pulled.id.slice(7, 19)}).`);
  return pulled;
}

function missing(reference: string, why: string): DrydockError {
  return new DrydockError(
    'image_missing',
    `image: ${reference} is not available (${why}); check the name and tag, \`docker login\` for a private registry, or build/load it locally. Nothing was changed.`,
    'image',
  );
}

/** Pull progress as log lines: one per layer state change, not one per byte update. */
function pullProgressReporter(reporter: BuildReporter): (progress: PullProgress) => void {
  const lastStatus = new Map<string, string>();
  return (progress) => {
    const key = progress.layer ?? '';
    if (lastStatus.get(key) === progress.status) return;
    lastStatus.set(key, progress.status);
    const size = progress.total ? ` (${(progress.total / 1024 / 1024).toFixed(1)} MB)` : '';
    reporter.info(progress.layer ? `${progress.layer}: ${progress.status}${size}` : progress.status);
  };
}
