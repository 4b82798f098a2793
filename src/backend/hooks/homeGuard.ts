import { DrydockError, errorMessage } from '../../core/errors';
import type { PathKind } from '../../docker/adapter';
import { pathComponents } from '../../core/hookPlan';
import type { BuildContext } from '../lifecycle/types';

/** The first symbolic link on the way to a path under home. */
export interface HomeLink {
  /** The component that is a link, relative to home (the path itself when the file is the link). */
  component: string;
  target: string;
}

/** What the paths on the way to some files in home are: the links among them, and what each component is (undefined: absent). */
export interface HomeSurvey {
  links: Map<string, HomeLink>;
  kinds: Map<string, PathKind | undefined>;
}

/** A container and where it mounts the home volume. */
export type HomeMount = Pick<BuildContext, 'docker' | 'containerId' | 'home'>;

/**
 * Home is the user's and survives rebuilds, so any folder or file in it may be
 * a link planted to make a root write land outside home (Docker's archive API
 * extracts as root and follows links in the folders above an entry). Every
 * component below home is asked of the engine, links not followed (the
 * archive API's stat, all at once: no process in the container); only paths
 * travel. Checking first and writing next is sound because the container is
 * new and, before these writes, runs nothing from home (only the image's
 * configure, before the dotfiles copy), or is the old one, stopped. Maps each
 * of `relativePaths` that has a link on its way to that link, and says what
 * each component is.
 */
export async function surveyHome(context: HomeMount, relativePaths: readonly string[]): Promise<HomeSurvey> {
  const { docker, containerId, home } = context;
  const components = [...new Set(relativePaths.flatMap((path) => pathComponents(path)))];
  const kinds = new Map<string, PathKind | undefined>();
  await Promise.all(
    components.map(async (component) => {
      try {
        kinds.set(component, await docker.files.kind(containerId, `${home}/${component}`));
      } catch (error) {
        throw new DrydockError('hook_failed', `could not check ${home} for symbolic links before writing into it (${errorMessage(error)}).`);
      }
    }),
  );
  const links = new Map<string, HomeLink>();
  for (const path of relativePaths) {
    const component = pathComponents(path).find((candidate) => kinds.get(candidate)?.linkTarget !== undefined);
    if (component !== undefined) links.set(path, { component, target: kinds.get(component)?.linkTarget ?? '' });
  }
  return { links, kinds };
}

/** Maps each of `relativePaths` that has a symbolic link on its way to that link (see surveyHome). */
export async function findHomeLinks(context: BuildContext, relativePaths: readonly string[]): Promise<Map<string, HomeLink>> {
  return (await surveyHome(context, relativePaths)).links;
}

/** The build log's sentence for a path in home that is not written because of a link on its way. */
export function refusedBecauseOfLink(
  path: string,
  link: HomeLink,
  what = 'was not written',
  fix = `remove the link inside the workspace (rm ~/${shellWord(link.component)})`,
): string {
  return `~/${path} ${what}: ~/${link.component} is a symbolic link to ${link.target}, and the build never writes into home through a link. To fix it, ${fix}, then rebuild.`;
}

/**
 * A file in home as the workspace user reads it (an exec of `cat` as that
 * user), so a link in home can never show them what only root may read.
 * Undefined when the file does not exist.
 */
export async function readHomeFileAsUser(context: BuildContext, relativePath: string, maxBytes = 16 * 1024 * 1024): Promise<Buffer | undefined> {
  const { docker, containerId, user, home } = context;
  const chunks: Buffer[] = [];
  let size = 0;
  let stderr = '';
  const exitCode = await docker.containers.exec(
    containerId,
    ['/bin/sh', '-c', '[ -e "$1" ] || { echo absent; exit 0; }; echo present; exec cat "$1"', 'drydock-read', `${home}/${relativePath}`],
    {
      user: user.name,
      onOutput: (stream, chunk) => {
        if (stream === 'stderr') stderr += chunk.toString('utf8');
        else if ((size += chunk.length) <= maxBytes + 8) chunks.push(Buffer.from(chunk));
      },
    },
  );
  const output = Buffer.concat(chunks);
  if (exitCode === 0 && output.subarray(0, 7).toString() === 'absent\n') return undefined;
  if (exitCode !== 0 || output.subarray(0, 8).toString() !== 'present\n') {
    throw new DrydockError(
      'hook_failed',
      `${user.name} cannot read ~/${relativePath} (${stderr.trim() || `exit code ${exitCode}`}); make it readable by ${user.name} or remove it, then rebuild.`,
    );
  }
  if (size - 8 > maxBytes) throw new DrydockError('hook_failed', `~/${relativePath} is larger than ${maxBytes} bytes; shorten it or remove it, then rebuild.`);
  return output.subarray(8);
}

/** A path as one shell word, quoted only when it needs to be. */
function shellWord(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
