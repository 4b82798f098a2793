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
 * Undefined when that cannot be read: the new container is asked instead.
 */
export async function homeSeenByOld(docker: DockerAdapter, old: ContainerInfo): Promise<PathStat | undefined> {
  const user = old.labels[LABEL.user];
  if (!user) return undefined;
  return docker.files.stat(old.id, homeDir(user)).catch(() => undefined);
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
  const oldUser = old.labels[LABEL.user];
  if (!oldUser || !hooks?.throughOldContainer) return undefined;
  const home = homeDir(oldUser);
  if (!old.volumes.some((volume) => volume.name === homeVolumeName(spec.name) && volume.target === home)) return undefined;
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
  const ownedRight = (stat: PathStat | undefined): boolean => stat?.isDirectory === true && stat.uid === user.uid && stat.gid === user.gid;
  // The old container already read it (most rebuilds): nothing to ask.
  if (ownedRight(seenByOld)) return;
  // Most other rebuilds find home already theirs too: one archive-API read of its tar header is far cheaper than an exec.
  const stat = await docker.files.stat(containerId, home).catch(() => undefined);
  if (ownedRight(stat)) return;
  const owner = `${user.uid}:${user.gid}`;
  const exitCode = await docker.containers.exec(containerId, ['chown', owner, home], { user: '0:0' }).catch(() => -1);
  if (exitCode === 0) return;
  const name = home.slice(home.lastIndexOf('/') + 1);
  await docker.files.put(containerId, home.slice(0, home.lastIndexOf('/')) || '/', [
    { path: `${name}/`, type: 'directory', mode: stat?.mode ?? 0o755, uid: user.uid, gid: user.gid },
  ]);
}
