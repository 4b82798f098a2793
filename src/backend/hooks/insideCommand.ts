import { errorMessage } from '../../core/errors';
import { insideCommandPath } from '../../core/insideCommand';
import type { BuildContext } from '../lifecycle/types';

/**
 * Puts this build's `drydock` command into the container (root-owned, 0755,
 * outside home, so every rebuild brings the current one): into /usr/local/bin
 * when that is on the container's PATH, else into the first folder of its
 * PATH. Returns a problem for the step's warning, or undefined.
 */
export async function installInsideCommand(context: BuildContext): Promise<string | undefined> {
  const { inside, docker, containerId, reporter } = context;
  if (!inside) return undefined;
  const path = insideCommandPath((await docker.containers.inspect(containerId))?.env.PATH);
  try {
    // Into `/` with its whole path, so a missing /usr/local/bin is created (Docker resolves it inside the container).
    await docker.files.put(containerId, '/', [{ path: path.slice(1), type: 'file', mode: 0o755, uid: 0, gid: 0, content: Buffer.from(inside.command) }]);
  } catch (error) {
    return `the drydock command could not be put in ${path}: ${errorMessage(error)}`;
  }
  if (inside.kind === 'unavailable') {
    reporter.info(`${path} only explains why Drydock inside the workspace is not available: ${inside.reason}`);
    return undefined;
  }
  reporter.info(`${path}: drydock status, extend, keepalive and heartbeat from inside the workspace.`);
  return undefined;
}
