import { DrydockError, errorMessage } from '../../core/errors';
import { LABEL, containerName, homeDir, homeVolumeName, ownerOf, ownershipLabels } from '../../core/names';
import type { PullPolicy } from '../../core/imageReference';
import type { PasswdEntry } from '../../core/passwd';
import type { WorkspaceSpec } from '../../core/spec';
import type { SafetyList } from '../../core/changeBaseline';
import type { ContainerInfo, DockerAdapter } from '../../docker/adapter';
import type { BuildCancel } from './buildCancel';
import { silentReporter, type BuildReporter } from './buildReporter';
import { WorkspaceLocks } from './workspaceLocks';
import { ImagePulls, type PulledImage } from './imagePulls';
import { safetyListOf, takeBaseline, type BaselineStore } from './safetyList';
import { ensureHomeVolume, imagePasswd, managedContainer, rebuildWorkspace, refuseUnlessOurs, type Ownership } from './rebuild';
import type { InsideAccess, RebuildOutcome, HookStage, WorkspaceObservation } from './types';

/** What one build may carry besides the spec: its own pull policy and a cancel switch. */
export interface BuildControl {
  pull?: PullPolicy;
  cancel?: BuildCancel;
  /** The digest the backend pulled ahead for the workspace's tag (see resolveImage). */
  pulledAhead?: string;
}

export interface LifecycleOptions {
  ownership: Ownership;
  hooks?: HookStage;
  inside?: InsideAccess;
  /** Seconds between SIGTERM and SIGKILL on stop. */
  stopGraceSeconds?: number;
  /** Where each build's changes outside home are kept (without: every change is listed, as against the image). */
  baselines?: BaselineStore;
  /** The backend's log, for what goes wrong after a build has answered. */
  log?: (message: string) => void;
  /** Told of each image a pull brought onto the engine: the ones Drydock may remove once unused. */
  onPulled?: (image: PulledImage) => void;
}

/**
 * The workspace lifecycle on a Docker engine: rebuild, stop, delete, list and
 * inspect, one operation per workspace at a time. It keeps no state of its
 * own: Docker, read through our labels, is the truth.
 */
export class WorkspaceLifecycle {
  private readonly locks = new WorkspaceLocks();
  private readonly passwdCache = new Map<string, PasswdEntry[]>();
  /** Baselines being recorded after a build, by workspace: the safety list waits for its workspace's. */
  private readonly pendingBaselines = new Map<string, Promise<void>>();
  /** Every pull of this engine, builds' and pulls ahead, one per reference at a time. */
  readonly pulls: ImagePulls;

  constructor(
    private readonly docker: DockerAdapter,
    private readonly options: LifecycleOptions,
  ) {
    this.pulls = new ImagePulls(docker, options.onPulled);
  }

  private get ownership(): Ownership {
    return this.options.ownership;
  }

  /** Whether labels mark an object of this backend's, for this workspace. */
  private owns(labels: Record<string, string>, workspace: string): boolean {
    const whose = ownerOf(labels, workspace, this.ownership.owner);
    return whose === 'ours' || (whose === 'legacy' && this.ownership.claimsLegacy(workspace));
  }

  /**
   * Refused with `busy` while this workspace builds, stops or is deleted. Once
   * the new container exists, its changes outside home are recorded as the
   * build's baseline for the safety list: after the build has answered (it
   * costs a Docker diff, which no one should wait for), and before anyone can
   * ask for the list (`rebuildSafety` waits for it).
   */
  async rebuild(spec: WorkspaceSpec, buildId: string, reporter: BuildReporter = silentReporter, control: BuildControl = {}): Promise<RebuildOutcome> {
    const release = this.locks.acquire(spec.name, 'building');
    try {
      const outcome = await this.rebuildUnderLock(spec, buildId, reporter, control);
      if (outcome.containerId) this.recordBaseline(spec.name, outcome.containerId, homeDir(outcome.user));
      return outcome;
    } finally {
      release();
    }
  }

  private rebuildUnderLock(spec: WorkspaceSpec, buildId: string, reporter: BuildReporter, control: BuildControl): Promise<RebuildOutcome> {
    return rebuildWorkspace(this.docker, spec, {
      ownership: this.ownership,
      buildId,
      reporter,
      ...(control.pull ? { pull: control.pull } : {}),
      ...(control.cancel ? { cancel: control.cancel } : {}),
      ...(control.pulledAhead ? { pulledAhead: control.pulledAhead } : {}),
      pulls: this.pulls,
      ...(this.options.hooks ? { hooks: this.options.hooks } : {}),
      ...(this.options.inside ? { inside: this.options.inside } : {}),
      stopGraceSeconds: this.stopGrace(),
      passwdCache: this.passwdCache,
    });
  }

  /** A failed hook keeps the container for debugging: what the build did up to there is still not the user's, so it is recorded too. */
  private recordBaseline(workspace: string, containerId: string, home: string): void {
    const store = this.options.baselines;
    if (!store) return;
    // One after another per workspace, so an older build's baseline never lands after a newer one's.
    const previous = this.pendingBaselines.get(workspace);
    const recorded = (async () => {
      await previous;
      const container = await this.docker.containers.inspect(containerId);
      const baseline = await takeBaseline(this.docker, containerId, home, container?.env.PATH);
      await store.saveBaseline(workspace, baseline);
      if (!baseline.complete)
        this.options.log?.(`${workspace}: the build changed more than ${baseline.entries.length} paths outside home; its safety list names the rest too`);
    })().catch((error: unknown) =>
      this.options.log?.(
        `${workspace}: could not record the container's changes outside home (${errorMessage(error)}); the next safety list names all of them`,
      ),
    );
    this.pendingBaselines.set(workspace, recorded);
    void recorded.finally(() => {
      if (this.pendingBaselines.get(workspace) === recorded) this.pendingBaselines.delete(workspace);
    });
  }

  /**
   * Reads what a build will need of an image before the build: its users (an
   * update pulled ahead), so the rebuild that takes it waits for nothing the
   * image could have told earlier.
   */
  async prepareImage(workspace: string, reference: string): Promise<void> {
    const image = await this.docker.images.inspect(reference);
    if (image) await imagePasswd(this.docker, image.id, ownershipLabels(workspace, this.ownership.owner), this.passwdCache);
  }

  /** Creates the home volume (a workspace that is `off` has one); an existing one of ours is kept. */
  async createHome(spec: WorkspaceSpec): Promise<void> {
    await ensureHomeVolume(this.docker, this.ownership, spec, silentReporter);
  }

  /**
   * Removes the `-next` containers of builds that died with their process
   * (a crash or kill mid-build), except those of builds still running here.
   * Only this backend's: another backend's `-next` is a build in progress.
   */
  async removeInterruptedBuildContainers(buildingNow: ReadonlySet<string>): Promise<string[]> {
    const removed: string[] = [];
    for (const container of await this.docker.containers.list({ [LABEL.managed]: 'true' })) {
      const workspace = container.labels[LABEL.workspace];
      if (!workspace || buildingNow.has(workspace) || container.name !== `${containerName(workspace)}-next`) continue;
      if (!this.owns(container.labels, workspace)) continue;
      await this.docker.containers.remove(container.id);
      removed.push(container.name);
    }
    return removed;
  }

  /** The workspace's running container and user, for execs and terminals. */
  async runningContainer(workspace: string): Promise<{ id: string; user: string; home: string }> {
    const container = await managedContainer(this.docker, this.ownership, workspace);
    if (!container?.running) {
      throw new DrydockError('conflict', `workspace ${workspace} is not running; rebuild it first (drydock rebuild ${workspace}).`);
    }
    const user = container.labels[LABEL.user] ?? '';
    return { id: container.id, user, home: homeDir(user) };
  }

  /** SIGTERM, SIGKILL after the grace period, then the container is removed. Home stays. */
  async stop(workspace: string): Promise<void> {
    const release = this.locks.acquire(workspace, 'stopping');
    try {
      const container = await managedContainer(this.docker, this.ownership, workspace);
      if (!container) return;
      await this.docker.containers.stop(container.id, this.stopGrace());
      await this.docker.containers.remove(container.id);
    } finally {
      release();
    }
  }

  /** Removes the container; the home volume only when `deleteHome` is given. */
  async delete(workspace: string, options: { deleteHome: boolean }): Promise<void> {
    const release = this.locks.acquire(workspace, 'being deleted');
    try {
      const container = await managedContainer(this.docker, this.ownership, workspace);
      if (container) await this.docker.containers.remove(container.id);
      if (!options.deleteHome) return;
      const volume = await this.docker.volumes.inspect(homeVolumeName(workspace));
      if (!volume) return;
      refuseUnlessOurs(volume.labels, this.ownership, workspace, `the volume ${volume.name}`, 'remove it yourself');
      await this.docker.volumes.remove(volume.name);
    } finally {
      release();
    }
  }

  /**
   * Every workspace of this backend that Docker knows of, by labels only: a
   * container, a home volume, or both. Other backends' objects are not listed.
   * `known` names running containers the caller already has a record of: they
   * are described from the listing alone (no environment, exit code 0), which
   * spares a start-up with many running workspaces one inspect each.
   */
  async list(known: (workspace: string, containerId: string) => boolean = () => false): Promise<WorkspaceObservation[]> {
    const managed = { [LABEL.managed]: 'true' };
    const [containers, volumes] = await Promise.all([this.docker.containers.list(managed), this.docker.volumes.list(managed)]);
    const byName = new Map<string, WorkspaceObservation>();
    for (const volume of volumes) {
      const name = volume.labels[LABEL.workspace];
      if (!name || volume.name !== homeVolumeName(name) || !this.owns(volume.labels, name)) continue;
      const spec = volume.labels[LABEL.spec];
      byName.set(name, { name, state: 'off', homeVolume: volume.name, ...(spec ? { homeSpec: spec } : {}) });
    }
    const running = containers.filter((container) => {
      const name = container.labels[LABEL.workspace];
      // Scratch containers (reading an image's files) and a build's `-next` container are not the workspace's.
      return name !== undefined && container.name === containerName(name) && this.owns(container.labels, name);
    });
    // The listing lacks the environment (adoption needs it) and the exit code (a stopped one's notice needs it).
    const described = await Promise.all(
      running.map(async (container) =>
        container.running && known(container.labels[LABEL.workspace] ?? '', container.id)
          ? { ...container, exitCode: 0, env: {} }
          : this.docker.containers.inspect(container.id),
      ),
    );
    for (const container of described) {
      if (!container) continue;
      const name = container.labels[LABEL.workspace] ?? '';
      const observation = byName.get(name) ?? { name, state: 'off' };
      observation.state = container.running ? 'running' : 'failed';
      observation.container = describeContainer(container);
      byName.set(name, observation);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async inspect(workspace: string): Promise<WorkspaceObservation | undefined> {
    const [container, volume] = await Promise.all([
      managedContainer(this.docker, this.ownership, workspace),
      this.docker.volumes.inspect(homeVolumeName(workspace)),
    ]);
    if (volume && ownerOf(volume.labels, workspace, this.ownership.owner) !== 'not-drydock') {
      refuseUnlessOurs(volume.labels, this.ownership, workspace, `a volume named ${volume.name}`, 'remove or rename it yourself');
    }
    const ownVolume = volume && this.owns(volume.labels, workspace) ? volume : undefined;
    if (!container && !ownVolume) return undefined;
    const observation: WorkspaceObservation = { name: workspace, state: container ? (container.running ? 'running' : 'failed') : 'off' };
    if (ownVolume) observation.homeVolume = ownVolume.name;
    if (container) observation.container = describeContainer(container);
    return observation;
  }

  /**
   * What a rebuild would discard: paths changed outside /home/<user> since
   * the end of the build that made the container, largest first.
   */
  async rebuildSafety(workspace: string): Promise<SafetyList> {
    const container = await managedContainer(this.docker, this.ownership, workspace);
    if (!container) return { changes: [], more: 0 };
    const home = homeDir(container.labels[LABEL.user] ?? '');
    await this.pendingBaselines.get(workspace);
    const baseline = await this.options.baselines?.loadBaseline(workspace);
    return safetyListOf(this.docker, container.id, home, container.env.PATH, baseline);
  }

  private stopGrace(): number {
    return this.options.stopGraceSeconds ?? 10;
  }
}

function describeContainer(
  container: Pick<ContainerInfo, 'id' | 'status' | 'exitCode' | 'imageId' | 'env' | 'labels'>,
): NonNullable<WorkspaceObservation['container']> {
  return {
    id: container.id,
    status: container.status,
    exitCode: container.exitCode,
    imageId: container.imageId,
    env: container.env,
    ...(container.labels[LABEL.spec] ? { spec: container.labels[LABEL.spec] } : {}),
    image: container.labels[LABEL.image] ?? '',
    user: container.labels[LABEL.user] ?? '',
    buildId: container.labels[LABEL.buildId] ?? '',
    builtAt: container.labels[LABEL.builtAt] ?? '',
  };
}
