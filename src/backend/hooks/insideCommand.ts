import { errorMessage } from '../../core/errors';
import { insideCommandPath } from '../../core/insideCommand';
import type { ArchiveEntry } from '../../docker/adapter';
import type { BuildContext } from '../lifecycle/types';

/** This build's `drydock` command: where it goes, and the entry that puts it there (relative to `/`); no entry when it is bind-mounted. */
export interface InsideCommandFile {
  path: string;
  entry?: ArchiveEntry;
}

/**
 * This build's `drydock` command for the container (root-owned, 0755,
 * outside home, so every rebuild brings the current one): into /usr/local/bin
 * when that is on the container's PATH, else into the first folder of its
 * PATH. Undefined when the build has no Drydock inside.
 */
export async function insideCommandFile(context: BuildContext): Promise<InsideCommandFile | undefined> {
  const { inside, docker, containerId } = context;
  if (!inside) return undefined;
  if (context.insideCommandAt !== undefined) return { path: context.insideCommandAt };
  const path = insideCommandPath((await docker.containers.inspect(containerId))?.env.PATH);
  // Relative to `/` with its whole path, so a missing /usr/local/bin is created (Docker resolves it inside the container).
  return { path, entry: { path: path.slice(1), type: 'file', mode: 0o755, uid: 0, gid: 0, content: Buffer.from(inside.command) } };
}

/** Puts the command in on its own; returns a problem for the step's warning, or undefined. */
export async function installInsideCommand(context: BuildContext, file: InsideCommandFile): Promise<string | undefined> {
  try {
    if (file.entry) await context.docker.files.put(context.containerId, '/', [file.entry]);
  } catch (error) {
    return insideCommandProblem(file, error);
  }
  reportInsideCommand(context, file);
  return undefined;
}

export function insideCommandProblem(file: InsideCommandFile, error: unknown): string {
  return `the drydock command could not be put in ${file.path}: ${errorMessage(error)}`;
}

/** The build log's line for a command put in place. */
export function reportInsideCommand(context: BuildContext, file: InsideCommandFile): void {
  const { inside, reporter } = context;
  if (inside?.kind === 'unavailable') reporter.info(`${file.path} only explains why Drydock inside the workspace is not available: ${inside.reason}`);
  else reporter.info(`${file.path}: drydock status, extend, keepalive and heartbeat from inside the workspace.`);
}
