import { DrydockError } from '../../core/errors';
import { digestFor, pullDecision, type PullPolicy } from '../../core/imageReference';
import type { DockerAdapter, ImageInfo } from '../../docker/adapter';
import type { BuildReporter } from './buildReporter';
import type { ImagePulls } from './imagePulls';
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
export interface ResolveOptions {
  pulls: ImagePulls;
  signal?: AbortSignal;
  /**
   * The digest the backend pulled ahead for this tag (an update seen by the
   * update check). When the engine's copy of the tag is that digest, the
   * registry was asked moments ago: the build takes it without asking again.
   */
  pulledAhead?: string;
}

export async function resolveImage(
  docker: DockerAdapter,
  reference: string,
  policy: PullPolicy | undefined,
  reporter: BuildReporter,
  options: ResolveOptions,
): Promise<ResolvedImage> {
  const local = await docker.images.inspect(reference);
  let decision = pullDecision(reference, policy, local);
  if (decision === 'missing-never') throw missing(reference, 'the pull policy is "never" and the engine does not have it');
  const ready =
    decision === 'pull' && local !== undefined && options.pulledAhead !== undefined && digestFor(reference, local.repoDigests) === options.pulledAhead;
  if (ready) decision = 'use-local';
  const pulled = decision === 'pull';
  if (pulled) {
    await reporter.step(`Pull ${reference}`, async () => {
      if (local) reporter.info(`Checking the registry for a newer ${reference} (pull policy "${policy ?? 'always'}").`);
      const joined = (): void => reporter.info(`Joining the pull of ${reference} already under way (the update pulled ahead in the background).`);
      await options.pulls.pull(reference, pullProgressReporter(reference, reporter), options.signal, joined);
    });
  }
  return reporter.step('Resolve image', async () => {
    const image = pulled ? await docker.images.inspect(reference) : local;
    if (!image) throw missing(reference, 'the pull reported success but the image is not there');
    const digest = digestFor(reference, image.repoDigests);
    if (ready) reporter.info('Using the update the backend pulled ahead: it is on the engine, so the registry is not asked again.');
    else if (!pulled)
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
