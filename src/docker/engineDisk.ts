import type Dockerode from 'dockerode';
import { statfs } from 'node:fs/promises';
import { errorMessage } from '../core/errors';
import { dockerFailure } from './errors';

/** The engine's free disk where it keeps images, or why it cannot be known. */
export type EngineDisk = { freeBytes: number; path: string } | { unknown: string };

/**
 * Free space on the file system of the engine's data root (`DockerRootDir`
 * from /info, where images are unpacked). The engine's API has no free-space
 * figure (`docker system df` counts only what Docker uses), so this is a
 * statfs of that folder, which needs the engine on this machine. A remote
 * engine's disk (tcp://, ssh://) or a data root this process cannot see (a
 * VM's, as on Docker Desktop) is `unknown`, with the reason.
 */
export async function engineDisk(docker: Dockerode, isLocal: boolean): Promise<EngineDisk> {
  let root: string | undefined;
  try {
    root = ((await docker.info()) as { DockerRootDir?: string }).DockerRootDir;
  } catch (error) {
    throw dockerFailure(error, 'reading the engine information');
  }
  if (!isLocal) return { unknown: "the engine is remote, and Docker's API does not say how much disk it has free" };
  if (!root) return { unknown: 'the engine does not say where it keeps its data (no DockerRootDir)' };
  try {
    const stats = await statfs(root);
    return { freeBytes: stats.bavail * stats.bsize, path: root };
  } catch (error) {
    return { unknown: `the engine's data folder ${root} cannot be read from here (${errorMessage(error)}; is the engine in a VM?)` };
  }
}
