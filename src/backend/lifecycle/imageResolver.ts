import { DrydockError } from '../../core/errors';
import { digestFor, pullDecision, type PullPolicy } from '../../core/imageReference';
import type { DockerAdapter, ImageInfo } from '../../docker/adapter';
import type { BuildReporter } from './buildReporter';
import { pullProgressReporter } from './pullProgress';

export interface ResolvedImage {
  image: ImageInfo;
  /** The registry's digest of what runs (`sha256:...`); absent for an image built or loaded on this engine. */
  digest?: string;
  /** Whether this build asked the registry (so the digest is the registry's current one). */
  pulled: boolean;
}

/**
 * Step 1 of a rebuild, before anything of the workspace is touched: the image
 * to run, pulled according to the policy (core/imageReference.ts
 * pullDecision). A failed or cancelled pull fails the build here, with the
 * running workspace as it was; there is no silent fallback to an older local
 * image (`--pull missing` asks for that).
 */
export async function resolveImage(
  docker: DockerAdapter,
  reference: string,
  policy: PullPolicy | undefined,
  reporter: BuildReporter,
  signal?: AbortSignal,
): Promise<ResolvedImage> {
  const local = await docker.images.inspect(reference);
  const decision = pullDecision(reference, policy, local);
  if (decision === 'missing-never') throw missing(reference, 'the pull policy is "never" and the engine does not have it');
  const pulled = decision === 'pull';
  if (pulled) {
    await reporter.step(`Pull ${reference}`, async () => {
      if (local) reporter.info(`Checking the registry for a newer ${reference} (pull policy "${policy ?? 'always'}").`);
      await docker.images.pull(reference, pullProgressReporter(reference, reporter), signal);
    });
  }
  return reporter.step('Resolve image', async () => {
    const image = pulled ? await docker.images.inspect(reference) : local;
    if (!image) throw missing(reference, 'the pull reported success but the image is not there');
    const digest = digestFor(reference, image.repoDigests);
    if (!pulled)
      reporter.info(`Using the local image${policy ? ` (pull policy "${policy}")` : digest ? '' : ' (built or loaded here: no registry to pull from)'}.`);
    reporter.info(digest ? `${reference} @ ${digest}` : `${reference} @ ${image.id} (local image, no registry digest)`);
    return { image, ...(digest ? { digest } : {}), pulled };
  });
}

function missing(reference: string, why: string): DrydockError {
  return new DrydockError(
    'image_missing',
    `image: ${reference} is not available (${why}); check the name and tag, \`docker login\` for a private registry, or build/load it locally. Nothing was changed.`,
    'image',
  );
}
