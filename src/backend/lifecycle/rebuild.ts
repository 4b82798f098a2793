import { DrydockError, isDrydockError } from '../../core/errors';
import { LABEL, containerName, homeDir, homeVolumeName, ownerOf, ownershipLabels } from '../../core/names';
import { specLabel } from '../../core/specLabel';
import type { PullPolicy } from '../../core/imageReference';
import { parsePasswd, resolveWorkspaceUser, type PasswdEntry } from '../../core/passwd';
import type { WorkspaceSpec } from '../../core/spec';
import type { ContainerInfo, DockerAdapter, ImageInfo, PathStat } from '../../docker/adapter';
import type { BuildCancel } from './buildCancel';
import type { BuildReporter } from './buildReporter';
import { giveHomeThroughOld, giveHomeToUser, homeSeenByOld, secretsThroughOld } from './homeHandover';
import type { ImagePulls } from './imagePulls';
import { resolveImage } from './imageResolver';
import { insideCommandTarget, insideMounts } from './insideMounts';
import type { HomeWrittenEarly, InsideAccess, InsideBuild, RebuildOutcome, HookStage } from './types';

/**
 * Keeps the container alive whatever the image's CMD is. With `Init: true`,
 * docker-init is PID 1 and forwards SIGTERM, so stop is immediate.
 */
export const KEEP_ALIVE_COMMAND = ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 86400 & wait $!; done'];

/**
 * Whose objects a backend may touch: those labelled with its owner id, and
 * objects from before owner labels only for the workspaces its state file names.
 */
export interface Ownership {
  owner: string;
  claimsLegacy(workspace: string): boolean;
  /** The engine's name as this backend calls it, labelled on what it makes there. */
  engine?: string;
}

/** The labels of a workspace's container and home: its owner's, and the engine's name. */
function madeHere(workspace: string, ownership: Ownership): Record<string, string> {
  return { ...ownershipLabels(workspace, ownership.owner), ...(ownership.engine ? { [LABEL.engine]: ownership.engine } : {}) };
}

export interface RebuildOptions {
  ownership: Ownership;
  buildId: string;
  reporter: BuildReporter;
  hooks?: HookStage;
  inside?: InsideAccess;
  stopGraceSeconds: number;
  /** /etc/passwd per image id: images are content-addressed, so it never goes stale. */
  passwdCache: Map<string, PasswdEntry[]>;
  /** This build's pull policy, over the workspace's (`drydock rebuild --pull never`). */
  pull?: PullPolicy;
  /** Honoured until the old container is touched. */
  cancel?: BuildCancel;
  /** The engine's pulls, shared with the pulls ahead: a pull of the same tag joins the one under way. */
  pulls: ImagePulls;
  /** The digest pulled ahead for this tag, taken without asking the registry when the engine's copy is it. */
  pulledAhead?: string;
}

/**
 * A rebuild as docs/behaviour.md describes it, steps 1-5: resolve the image
 * and user, prepare the home volume, replace the container (steps 3 and 4),
 * run the hooks. Rejects when nothing was changed (bad image, unknown user, a
 * foreign container in the way); resolves `failed` once the old container is
 * gone and something later went wrong.
 */
export async function rebuildWorkspace(docker: DockerAdapter, spec: WorkspaceSpec, options: RebuildOptions): Promise<RebuildOutcome> {
  const started = Date.now();
  const { reporter } = options;
  const old = await managedContainer(docker, options.ownership, spec.name);
  const resolved = await resolveImage(docker, spec.image, options.pull ?? spec.pullPolicy, reporter, {
    pulls: options.pulls,
    ...(options.cancel ? { signal: options.cancel.signal } : {}),
    ...(options.pulledAhead ? { pulledAhead: options.pulledAhead } : {}),
  });
  const { image } = resolved;
  const user = await resolveUser(docker, image, spec, options);
  const home = homeDir(user.name);
  // Everything above only read and pulled; from here on the workspace changes, and a cancel is refused.
  options.cancel?.commit();
  await reporter.step('Prepare home volume', () => ensureHomeVolume(docker, options.ownership, spec, reporter));

  const base = {
    buildId: options.buildId,
    imageId: image.id,
    ...(resolved.digest ? { imageDigest: resolved.digest } : {}),
    pulled: resolved.pulled,
    user: user.name,
    warnings: [] as string[],
  };
  let containerId: string | undefined;
  let inside: InsideBuild | undefined;
  let homeWrittenEarly: HomeWrittenEarly | undefined;
  try {
    containerId = await reporter.step('Replace container', async () => {
      inside = await options.inside?.prepare({ workspace: spec.name, user, docker });
      const replaced = await replaceContainer(docker, spec, image, user, old, options, inside);
      homeWrittenEarly = replaced.writtenEarly;
      reporter.info(`Container ${replaced.id.slice(0, 12)} running as ${user.name} (uid ${user.uid}) with home ${home}.`);
      return replaced.id;
    });
    const id = containerId;
    const context = {
      spec,
      buildId: options.buildId,
      containerId: id,
      user,
      home,
      docker,
      reporter,
      ...(inside ? { inside } : {}),
      ...(inside?.kind === 'ready' ? { insideCommandAt: insideCommandTarget(spec, image) } : {}),
      ...(homeWrittenEarly ? { homeWrittenEarly } : {}),
    };
    const hooks = options.hooks ? await options.hooks.run(context) : { warnings: [] };
    return { ...base, state: 'running', containerId: id, warnings: hooks.warnings, durationMs: Date.now() - started };
  } catch (error) {
    const failure = isDrydockError(error) ? error : new DrydockError('internal', String(error));
    return { ...base, state: 'failed', ...(containerId ? { containerId } : {}), error: failure, durationMs: Date.now() - started };
  }
}

/**
 * Steps 3 and 4, overlapped: the new container is created under a temporary
 * name and started while the old one stops (SIGTERM, grace, SIGKILL) and is
 * removed; then it takes the workspace's name, so a crash midway leaves at
 * most a `-next` leftover that the next build removes. The two share the home volume
 * only while the old one shuts down, before any hook runs.
 */
async function replaceContainer(
  docker: DockerAdapter,
  spec: WorkspaceSpec,
  image: ImageInfo,
  user: PasswdEntry,
  old: ContainerInfo | undefined,
  options: RebuildOptions,
  inside: InsideBuild | undefined,
): Promise<{ id: string; writtenEarly?: HomeWrittenEarly }> {
  const home = homeDir(user.name);
  const finalName = containerName(spec.name);
  const nextName = `${finalName}-next`;
  const leftover = await managedContainer(docker, options.ownership, spec.name, nextName);
  if (leftover) await docker.containers.remove(leftover.id);
  const id = await docker.containers.create({
    name: nextName,
    imageId: image.id,
    labels: {
      ...madeHere(spec.name, options.ownership),
      [LABEL.spec]: specLabel(spec),
      [LABEL.user]: user.name,
      [LABEL.image]: spec.image,
      [LABEL.buildId]: options.buildId,
      [LABEL.builtAt]: new Date().toISOString(),
    },
    user: `${user.uid}:${user.gid}`,
    workingDir: home,
    env: { ...spec.env, HOME: home, USER: user.name },
    command: KEEP_ALIVE_COMMAND,
    mounts: [{ volume: homeVolumeName(spec.name), target: home }, ...insideMounts(spec, image, inside)],
    ...(spec.cpus !== undefined ? { nanoCpus: Math.round(spec.cpus * 1e9) } : {}),
    ...(spec.memoryBytes !== undefined ? { memoryBytes: spec.memoryBytes } : {}),
  });
  // What the old container, once stopped, saw of home's top folder (see homeSeenByOld), and home given to the user through it.
  let seenByOld: PathStat | undefined;
  let givenByOld: Promise<boolean> | undefined;
  let writtenEarly: HomeWrittenEarly | undefined;
  const retireOld = old
    ? (async () => {
        options.reporter.info(`Stopping and removing the old container ${old.id.slice(0, 12)}.`);
        await docker.containers.stop(old.id, options.stopGraceSeconds);
        // Each kept as soon as it is read: the new container, once started, looks at home's owner.
        await Promise.all([
          homeSeenByOld(docker, old, spec.name).then((stat) => {
            seenByOld = stat;
            if (stat) givenByOld = giveHomeThroughOld(docker, old, spec.name, user, stat);
            return givenByOld;
          }),
          secretsThroughOld(docker, spec, user, old, options.hooks, inside).then((written) => (writtenEarly = written)),
        ]);
        await docker.containers.remove(old.id);
      })()
    : Promise.resolve();
  // Every build, even for the same user: Docker gives an empty volume's top folder to root again
  // each time a new container is created on it (it copies the image's mount point up into it).
  const startNew = docker.containers.start(id).then(async () => {
    if (!(await givenByOld)) await giveHomeToUser(docker, id, user, home, seenByOld);
  });
  const [retired, started] = await Promise.allSettled([retireOld, startNew]);
  if (retired.status === 'rejected') throw retired.reason;
  if (started.status === 'rejected') throw started.reason;
  // Only a container whose home is the user's ever carries the workspace's name.
  await docker.containers.rename(id, finalName);
  return { id, ...(writtenEarly ? { writtenEarly } : {}) };
}

/**
 * The workspace's container if any. A container of that name that another
 * backend made, or that Drydock did not make, is never touched: it is a
 * conflict the user resolves.
 */
export async function managedContainer(
  docker: DockerAdapter,
  ownership: Ownership,
  workspace: string,
  name = containerName(workspace),
): Promise<ContainerInfo | undefined> {
  const container = await docker.containers.inspect(name);
  if (!container) return undefined;
  refuseUnlessOurs(container.labels, ownership, workspace, `a container named ${name}`, 'rename or remove it yourself');
  return container;
}

/** Throws `conflict` unless the labels say the object is this backend's (or a legacy one it claims). */
export function refuseUnlessOurs(labels: Record<string, string>, ownership: Ownership, workspace: string, what: string, fix: string): void {
  const whose = ownerOf(labels, workspace, ownership.owner);
  if (whose === 'ours' || (whose === 'legacy' && ownership.claimsLegacy(workspace))) return;
  const by =
    whose === 'other'
      ? `another Drydock backend (owner ${labels[LABEL.owner] ?? ''}: another user or state folder on this engine)`
      : whose === 'legacy'
        ? 'an earlier Drydock whose state this backend does not have'
        : 'something other than Drydock';
  throw new DrydockError('conflict', `${what} exists that belongs to ${by}; it was left alone. Pick another workspace name, or ${fix}.`, 'name');
}

async function resolveUser(docker: DockerAdapter, image: ImageInfo, spec: WorkspaceSpec, options: RebuildOptions): Promise<PasswdEntry> {
  const passwd = await imagePasswd(docker, image.id, ownershipLabels(spec.name, options.ownership.owner), options.passwdCache);
  return resolveWorkspaceUser({ requested: spec.user, imageUser: image.user, passwd, image: spec.image });
}

/** The image's /etc/passwd, read once per image id (a scratch container labelled `labels`) and cached. */
export async function imagePasswd(
  docker: DockerAdapter,
  imageId: string,
  labels: Record<string, string>,
  cache: Map<string, PasswdEntry[]>,
): Promise<PasswdEntry[]> {
  let passwd = cache.get(imageId);
  if (!passwd) {
    const file = await docker.images.readFile(imageId, '/etc/passwd', labels);
    passwd = file ? parsePasswd(file.toString('utf8')) : [];
    cache.set(imageId, passwd);
  }
  return passwd;
}

/** The home volume: an existing one of ours is kept, one of another owner refused; a new one carries the spec it was made for. */
export async function ensureHomeVolume(docker: DockerAdapter, ownership: Ownership, spec: WorkspaceSpec, reporter: BuildReporter): Promise<void> {
  const name = homeVolumeName(spec.name);
  const existing = await docker.volumes.inspect(name);
  if (existing) {
    refuseUnlessOurs(existing.labels, ownership, spec.name, `a volume named ${name}`, 'remove or rename it yourself');
    reporter.info(`Keeping home volume ${name}.`);
    return;
  }
  await docker.volumes.create(name, { ...madeHere(spec.name, ownership), [LABEL.spec]: specLabel(spec) });
  reporter.info(`Created home volume ${name}.`);
}
