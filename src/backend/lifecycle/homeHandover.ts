import { LABEL, homeDir, homeVolumeName } from '../../core/names';
import type { PasswdEntry } from '../../core/passwd';
import type { WorkspaceSpec } from '../../core/spec';
import type { ContainerInfo, DockerAdapter, PathStat } from '../../docker/adapter';
import type { HomeWrittenEarly, HookStage, InsideBuild } from './types';

/*
 * What a rebuild's new container takes over of home from the old one: home's
 * owner as the stopped old container saw it, and hook 1's files written
 * through it while the new one starts; then home's top folder given to the user.
 */

/**
 * Home's top folder as the old container sees it once stopped, read while the
 * new one starts (off the build's critical path): the new container was
 * created before the old one stopped, so Docker's copy-up into an empty home
 * is done, and from then on nothing runs that could change the folder. The
 * old container mounts the same home volume at its own user's home.
 * Undefined when that cannot be read, or the old container does not mount
 * this home: the new container is asked instead.
 */
export async function homeSeenByOld(docker: DockerAdapter, old: ContainerInfo, workspace: string): Promise<PathStat | undefined> {
  const home = oldHome(old, workspace);
  return home === undefined ? undefined : docker.files.stat(old.id, home).catch(() => undefined);
}

/** The old container's home, when this workspace's home volume is mounted there (as on every container Drydock made). */
function oldHome(old: ContainerInfo, workspace: string): string | undefined {
  const user = old.labels[LABEL.user];
  if (!user) return undefined;
  const home = homeDir(user);
  return old.volumes.some((volume) => volume.name === homeVolumeName(workspace) && volume.target === home) ? home : undefined;
}

/** Whether home's top folder, as `stat` saw it, is the user's. */
export function homeOwnedBy(stat: PathStat | undefined, user: PasswdEntry): boolean {
  return stat?.isDirectory === true && stat.uid === user.uid && stat.gid === user.gid;
}

/**
 * Home's top folder given to the user through the stopped old container,
 * while the new one starts, when the old one saw it was not theirs: Docker
 * hands an empty home back to root each time a container is created on it
 * (it copies the image's mount point up, and the working directory made it
 * root's), which a start does not undo. One directory entry, never -R: the
 * folder is the volume's mount point, which no link in home can replace.
 * Resolves whether it was done; the new container does it otherwise.
 */
export async function giveHomeThroughOld(docker: DockerAdapter, old: ContainerInfo, workspace: string, user: PasswdEntry, seen: PathStat): Promise<boolean> {
  const home = oldHome(old, workspace);
  if (home === undefined || homeOwnedBy(seen, user)) return false;
  return putHomeEntry(docker, old.id, home, user, seen.mode).then(
    () => true,
    () => false,
  );
}

/** Home's own directory entry, the user's, through the archive API: its contents are not touched. */
function putHomeEntry(docker: DockerAdapter, containerId: string, home: string, user: PasswdEntry, mode: number): Promise<void> {
  const name = home.slice(home.lastIndexOf('/') + 1);
  return docker.files.put(containerId, home.slice(0, home.lastIndexOf('/')) || '/', [
    { path: `${name}/`, type: 'directory', mode, uid: user.uid, gid: user.gid },
  ]);
}

/**
 * Hook 1's home files through the stopped old container (HookStage.throughOldContainer),
 * when it mounts this workspace's home volume at its own user's home.
 */
export async function secretsThroughOld(
  docker: DockerAdapter,
  spec: WorkspaceSpec,
  user: PasswdEntry,
  old: ContainerInfo,
  hooks: HookStage | undefined,
  inside: InsideBuild | undefined,
): Promise<HomeWrittenEarly | undefined> {
  const home = oldHome(old, spec.name);
  if (home === undefined || !hooks?.throughOldContainer) return undefined;
  return hooks.throughOldContainer({ spec, user, docker, containerId: old.id, home, ...(inside ? { inside } : {}) });
}

/**
 * A volume mounted where the image has no directory is owned by root. The
 * home directory itself (not its contents) is given to the workspace user on
 * every build (so a new image's uid follows, an empty home handed back to root
 * by Docker is healed, and so is a crash before the first chown); a home
 * already owned right is left as it is. chown by exec is the fast path; an
 * image without chown gets it through the archive API instead.
 * Neither can follow a link planted in home: `home` is the volume's mount
 * point, a real directory the user cannot replace, and without -R nothing
 * inside it is touched.
 */
export async function giveHomeToUser(docker: DockerAdapter, containerId: string, user: PasswdEntry, home: string, seenByOld?: PathStat): Promise<void> {
  // The old container's answer holds for the new one (see homeSeenByOld): owned right, nothing to do; not, no need to ask again.
  if (homeOwnedBy(seenByOld, user)) return;
  // Without it, most rebuilds find home already theirs: one archive-API read of its tar header is far cheaper than an exec.
  const stat = seenByOld ?? (await docker.files.stat(containerId, home).catch(() => undefined));
  if (homeOwnedBy(stat, user)) return;
  const owner = `${user.uid}:${user.gid}`;
  const exitCode = await docker.containers.exec(containerId, ['chown', owner, home], { user: '0:0' }).catch(() => -1);
  if (exitCode === 0) return;
  await putHomeEntry(docker, containerId, home, user, stat?.mode ?? 0o755);
}
