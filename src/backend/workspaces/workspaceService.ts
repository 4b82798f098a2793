import { DrydockError, errorMessage } from '../../core/errors';
import { parseImageReference, type PullPolicy } from '../../core/imageReference';
import { parseWorkspaceSpec, type SpecInput, type WorkspaceSpec } from '../../core/spec';
import { shownState, transition, type ObservedState, type WorkspaceEvent, type WorkspaceState } from '../../core/state';
import type { DockerAdapter, FileChange, LocalImage } from '../../docker/adapter';
import { BuildRunner, type BuildHandle } from '../builds/buildRunner';
import type { BuildLogStore } from '../builds/logStore';
import type { DotfilesCache } from '../hooks/dotfilesCache';
import { BuildHooks } from '../hooks/hookStage';
import { WorkspaceLifecycle } from '../lifecycle/workspaceLifecycle';
import type { InsideAccess, WorkspaceObservation } from '../lifecycle/types';
import type { CoalescedWriter } from '../state/coalescedWriter';
import type { BackendEvent } from './backendEvents';
import type { EventBus } from './eventBus';
import { adoptedRecord, applyObservation, INTERRUPTED_MESSAGE } from './reconcile';
import type { BuildSummary, WorkspaceRecord } from './records';

export interface ServiceDeps {
  /** This backend's owner id: the only objects on the engine it lists, changes or removes (see daemon/ownerId.ts). */
  owner: string;
  logs: BuildLogStore;
  dotfiles: DotfilesCache;
  events: EventBus<BackendEvent>;
  /** Persists the records; merges bursts (see CoalescedWriter). */
  writer: CoalescedWriter;
  log: (message: string) => void;
  stopGraceSeconds?: number;
  /** Drydock inside the workspace; set once it exists (it needs this service). */
  inside?: InsideAccess;
}

/** A workspace as the rest of the backend reads it: its record, its parsed spec, and the state to show. */
export interface WorkspaceSnapshot {
  record: Readonly<WorkspaceRecord>;
  /** Undefined when the stored spec no longer validates (it is shown as stored). */
  spec: WorkspaceSpec | undefined;
  state: WorkspaceState;
}

interface Engine {
  docker: DockerAdapter;
  lifecycle: WorkspaceLifecycle;
  runner: BuildRunner;
  hostCpus: number;
  hostMemoryBytes: number;
}

/**
 * The backend's workspaces: records kept in the state file, operations on
 * the engine through the lifecycle, and an event for every change. Docker is
 * the truth for what exists; `reconcile` brings the records back to it.
 * Every state change goes through core/state's transition table.
 */
export class WorkspaceService {
  private readonly records = new Map<string, WorkspaceRecord>();
  private readonly parsedSpecs = new WeakMap<object, WorkspaceSpec | undefined>();
  private engine: Engine | undefined;
  private dockerReachable = false;

  constructor(private readonly deps: ServiceDeps) {}

  load(records: Iterable<WorkspaceRecord>): void {
    for (const record of records) this.records.set(record.name, record);
  }

  /** The records as the state file keeps them. */
  stored(): Record<string, WorkspaceRecord> {
    return Object.fromEntries(this.records);
  }

  /** Docker answers: (re)build the engine objects and reconcile. Builds in flight keep their runner. */
  async dockerUp(docker: DockerAdapter): Promise<void> {
    if (this.engine?.docker !== docker) {
      const lifecycle = new WorkspaceLifecycle(docker, {
        // Objects from before owner labels are claimed only for workspaces this state file names.
        ownership: { owner: this.deps.owner, claimsLegacy: (name) => this.records.has(name) },
        hooks: new BuildHooks(this.deps.dotfiles),
        ...(this.deps.inside ? { inside: this.deps.inside } : {}),
        stopGraceSeconds: this.deps.stopGraceSeconds ?? 10,
      });
      this.engine = {
        docker,
        lifecycle,
        runner: new BuildRunner(lifecycle, this.deps.logs),
        hostCpus: await docker.hostCpus(),
        hostMemoryBytes: await docker.hostMemoryBytes(),
      };
    }
    this.dockerReachable = true;
    await this.reconcile();
    this.deps.events.emit({ type: 'docker', reachable: true });
  }

  dockerDown(reason: string): void {
    this.dockerReachable = false;
    this.deps.events.emit({ type: 'docker', reachable: false, error: reason });
    for (const record of this.records.values()) this.deps.events.emit({ type: 'workspace-changed', name: record.name });
  }

  names(): string[] {
    return [...this.records.keys()].sort((a, b) => a.localeCompare(b));
  }

  snapshot(name: string): WorkspaceSnapshot {
    const record = this.require(name);
    return { record, spec: this.specOf(record), state: shownState(record.state, this.dockerReachable) };
  }

  snapshots(): WorkspaceSnapshot[] {
    return this.names().map((name) => this.snapshot(name));
  }

  async create(input: SpecInput, build: boolean): Promise<{ name: string; build?: BuildHandle<BuildSummary> }> {
    const engine = this.requireEngine();
    const spec = parseWorkspaceSpec(input, { cpus: engine.hostCpus, memoryBytes: engine.hostMemoryBytes });
    if (this.records.has(spec.name)) {
      throw new DrydockError('conflict', `workspace ${spec.name} already exists; rebuild it (drydock rebuild ${spec.name}) or delete it first.`, 'name');
    }
    // A home kept from an earlier `rm` is reused: that is what keeping it was for.
    const existing = await engine.lifecycle.inspect(spec.name);
    await engine.lifecycle.createHome(spec);
    const record: WorkspaceRecord = { name: spec.name, spec: input, state: existing?.state ?? 'off', createdAt: new Date().toISOString() };
    if (existing?.homeVolume) this.deps.log(`create ${spec.name}: reusing the existing home volume ${existing.homeVolume}`);
    this.records.set(spec.name, record);
    this.parsedSpecs.set(record.spec, spec);
    if (!build) {
      await this.changed(record, 'durable');
      return { name: spec.name };
    }
    return { name: spec.name, build: this.startBuild(record, input, spec) };
  }

  /**
   * Starts a rebuild with `changes` applied to the spec. The changed spec is
   * kept only if the build gets under way; the handle's `finished` resolves
   * with the build's summary once the record shows its end.
   */
  rebuild(name: string, changes: Partial<SpecInput>, pull?: PullPolicy): BuildHandle<BuildSummary> {
    const record = this.require(name);
    const engine = this.requireEngine();
    const input: SpecInput = { ...record.spec, ...changes, name };
    return this.startBuild(record, input, parseWorkspaceSpec(input, { cpus: engine.hostCpus, memoryBytes: engine.hostMemoryBytes }), pull);
  }

  /** The engine's tagged images, newest first. */
  localImages(): Promise<LocalImage[]> {
    return this.requireEngine().docker.images.list();
  }

  /** Cancels the running build while it only pulls (see BuildRunner.cancel). */
  cancelBuild(name: string): void {
    this.require(name);
    this.requireEngine().runner.cancel(name);
  }

  /**
   * Asks the registry (one HEAD of the manifest, nothing pulled) what the
   * workspace's tag points at now, and keeps the answer: the views compare it
   * with the digest the workspace runs. A digest-pinned or local-only image
   * has nothing to check. A failed check is kept with its reason, never thrown.
   */
  async checkUpdate(name: string): Promise<void> {
    const record = this.require(name);
    const { docker } = this.requireEngine();
    const reference = this.specOf(record)?.image;
    if (!reference || parseImageReference(reference).digest || !record.image?.digest) return;
    const check: NonNullable<WorkspaceRecord['updateCheck']> = { reference, checkedAt: new Date().toISOString() };
    try {
      check.latestDigest = await docker.images.remoteDigest(reference);
    } catch (error) {
      check.error = errorMessage(error);
    }
    if (!this.records.has(name)) return;
    record.updateCheck = check;
    await this.changed(record, 'durable');
  }

  private startBuild(record: WorkspaceRecord, input: SpecInput, spec: WorkspaceSpec, pull?: PullPolicy): BuildHandle<BuildSummary> {
    const engine = this.requireEngine();
    // Only off, running and failed workspaces can build; a refused build goes back to where it was.
    const before = record.state as ObservedState;
    const building = transition(record.state, 'build', undefined, record.name);
    const build = engine.runner.start(spec, pull);
    const name = record.name;
    build.log.subscribe((entry) => this.deps.events.emit({ type: 'build-log', workspace: name, buildId: build.id, entry }));
    build.log.onWriteError((error) => {
      const reason = errorMessage(error);
      const message = `workspace ${name}: could not write the log of build ${build.id} to ${build.log.file} (${reason}); the build goes on, but its saved log is incomplete. Free disk space there.`;
      this.deps.log(message);
      this.deps.events.emit({ type: 'warning', workspace: name, message });
    });
    record.state = building;
    record.lastBuild = { buildId: build.id, status: 'building', startedAt: new Date().toISOString() };
    void this.changed(record, 'durable');
    const finished = build.finished.then(async ({ outcome, error }) => {
      const lastBuild: BuildSummary = { ...record.lastBuild!, finishedAt: new Date().toISOString() };
      if (outcome) {
        record.spec = input;
        this.parsedSpecs.set(input, spec);
        record.state = transition(record.state, outcome.state === 'running' ? 'built' : 'buildFailed');
        lastBuild.status = outcome.state;
        if (outcome.imageDigest) lastBuild.imageDigest = outcome.imageDigest;
        record.image = { id: outcome.imageId, ...(outcome.imageDigest ? { digest: outcome.imageDigest } : {}) };
        // A pull just asked the registry: that is as fresh as an update check.
        if (outcome.pulled && outcome.imageDigest)
          record.updateCheck = { reference: spec.image, checkedAt: lastBuild.finishedAt!, latestDigest: outcome.imageDigest };
        if (outcome.containerId) record.containerId = outcome.containerId;
        if (outcome.state === 'running') {
          record.builtAt = lastBuild.finishedAt;
          delete record.notice;
        }
        if (outcome.warnings.length > 0) lastBuild.warnings = outcome.warnings;
      } else {
        // Refused or cancelled before anything changed (a missing image, say): the workspace is as it was.
        lastBuild.status = error?.code === 'interrupted' ? 'interrupted' : 'failed';
        record.state = transition(record.state, 'reconcile', before);
      }
      if (error) lastBuild.message = error.message;
      record.lastBuild = lastBuild;
      await this.changed(record, 'durable');
      return lastBuild;
    });
    return { id: build.id, log: build.log, finished };
  }

  async stop(name: string): Promise<void> {
    const record = this.require(name);
    const engine = this.requireEngine();
    this.apply(record, 'stop');
    await this.changed(record, 'durable');
    try {
      // An off workspace may still have a container (stopped outside Drydock): stop removes it too.
      await engine.lifecycle.stop(name);
      if (record.state === 'stopping') this.apply(record, 'stopped');
      delete record.containerId;
      delete record.notice;
      // Clients hear of the stop here: the reconcile below announces only what Docker then changes.
      await this.changed(record, 'durable');
    } finally {
      await this.reconcileOne(record);
    }
  }

  async delete(name: string, deleteHome: boolean): Promise<void> {
    const record = this.require(name);
    const engine = this.requireEngine();
    if (record.state === 'building') throw new DrydockError('busy', `workspace ${name} is building; wait for the build to end before deleting it.`);
    await engine.lifecycle.delete(name, { deleteHome });
    this.records.delete(name);
    if (deleteHome) await this.deps.logs.removeAll(name);
    await this.save('durable');
    this.deps.events.emit({ type: 'workspace-removed', name });
  }

  async rebuildSafety(name: string): Promise<FileChange[]> {
    this.require(name);
    return this.requireEngine().lifecycle.rebuildSafety(name);
  }

  currentBuild(name: string): BuildHandle | undefined {
    this.require(name);
    return this.engine?.runner.current(name);
  }

  async runningContainer(name: string): Promise<{ id: string; user: string; home: string }> {
    this.require(name);
    return this.requireEngine().lifecycle.runningContainer(name);
  }

  requireEngine(): Engine {
    if (!this.engine || !this.dockerReachable) {
      throw new DrydockError(
        'docker_unreachable',
        'Docker cannot be reached; start the Docker engine. Nothing was changed, and Drydock reconnects on its own.',
      );
    }
    return this.engine;
  }

  /**
   * Waits (bounded) for running builds to finish, for a clean shutdown. A
   * build still running afterwards stays `building` in the state file, and
   * the next start marks it interrupted.
   */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (this.engine?.runner.running ?? 0) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Brings every record back to what Docker shows; interrupted builds are marked and their leftovers removed. */
  async reconcile(): Promise<void> {
    const { lifecycle, runner } = this.requireEngine();
    const building = new Set([...this.records.keys()].filter((name) => runner.current(name)));
    for (const leftover of await lifecycle.removeInterruptedBuildContainers(building)) this.deps.log(`removed ${leftover}, left by an interrupted build`);
    // Running containers the records already know need no inspect: only adoption and stopped ones do.
    const known = (name: string, containerId: string): boolean => this.records.get(name)?.containerId === containerId;
    const observed = new Map((await lifecycle.list(known)).map((observation) => [observation.name, observation]));
    for (const record of this.records.values()) await this.applyObservation(record, observed.get(record.name));
  }

  /** One workspace, after a Docker event or a failed operation. */
  async reconcileOne(record: WorkspaceRecord): Promise<void> {
    if (!this.engine || !this.dockerReachable || this.engine.runner.current(record.name)) return;
    await this.applyObservation(record, await this.engine.lifecycle.inspect(record.name).catch(() => undefined));
  }

  async onContainerEvent(workspace: string): Promise<void> {
    const record = this.records.get(workspace);
    if (record && record.state !== 'building' && record.state !== 'stopping') await this.reconcileOne(record);
  }

  /**
   * Adopts this backend's workspaces that Docker has and the state file lost
   * (a corrupt or deleted state file), with their whole spec from their labels;
   * one that has only its home comes back `off`. Never another backend's.
   */
  async adoptFromDocker(): Promise<string[]> {
    const { lifecycle } = this.requireEngine();
    const adopted: string[] = [];
    for (const observation of await lifecycle.list()) {
      if (this.records.has(observation.name)) continue;
      const found = adoptedRecord(observation);
      if (!found) {
        this.deps.log(
          `${observation.name}: its home volume has no spec label (made before labels), so it was not adopted; create the workspace again to use it`,
        );
        continue;
      }
      this.records.set(found.record.name, found.record);
      adopted.push(found.record.name);
      if (found.lost.length > 0) this.deps.log(`${found.record.name}: adopted without ${found.lost.join('; ')}`);
    }
    if (adopted.length > 0) await this.save('durable');
    return adopted;
  }

  /**
   * Changes a record on behalf of auto-off and the scheduler, then announces
   * it once. `soon` merges the write with others (heartbeats); `durable`
   * resolves once it is on disk.
   */
  async patch(name: string, change: (record: WorkspaceRecord) => void, persistence: 'soon' | 'durable' = 'durable'): Promise<void> {
    const record = this.require(name);
    change(record);
    await this.changed(record, persistence);
  }

  record(name: string): Readonly<WorkspaceRecord> {
    return this.require(name);
  }

  has(name: string): boolean {
    return this.records.has(name);
  }

  get isDockerReachable(): boolean {
    return this.dockerReachable;
  }

  /** Writes what is pending (a clean stop). */
  flush(): Promise<void> {
    return this.deps.writer.flush();
  }

  private apply(record: WorkspaceRecord, event: Exclude<WorkspaceEvent, 'reconcile'>): void {
    record.state = transition(record.state, event, undefined, record.name);
  }

  private require(name: string): WorkspaceRecord {
    const record = this.records.get(name);
    if (!record) throw new DrydockError('not_found', `no workspace named "${name}"; list them with \`drydock ls\`.`, 'name');
    return record;
  }

  private async applyObservation(record: WorkspaceRecord, observation: WorkspaceObservation | undefined): Promise<void> {
    const before = JSON.stringify(record);
    const { interrupted } = applyObservation(record, observation, Boolean(this.engine?.runner.current(record.name)));
    if (interrupted && record.lastBuild) {
      this.deps.log(`${record.name}: build ${record.lastBuild.buildId} interrupted: ${INTERRUPTED_MESSAGE}`);
      await this.deps.logs
        .markInterrupted(record.name, record.lastBuild.buildId, INTERRUPTED_MESSAGE)
        .catch((error: unknown) => this.deps.log(`could not mark the log of ${record.lastBuild?.buildId ?? ''} interrupted: ${errorMessage(error)}`));
    }
    if (JSON.stringify(record) !== before) await this.changed(record, 'durable');
  }

  /** Parsed once per stored spec object (a change replaces the object), so listing stays cheap. */
  private specOf(record: WorkspaceRecord): WorkspaceSpec | undefined {
    if (this.parsedSpecs.has(record.spec)) return this.parsedSpecs.get(record.spec);
    let spec: WorkspaceSpec | undefined;
    try {
      spec = parseWorkspaceSpec(record.spec, { cpus: this.engine?.hostCpus ?? Number.MAX_SAFE_INTEGER, memoryBytes: this.engine?.hostMemoryBytes });
    } catch {
      spec = undefined;
    }
    this.parsedSpecs.set(record.spec, spec);
    return spec;
  }

  private async changed(record: WorkspaceRecord, persistence: 'soon' | 'durable'): Promise<void> {
    if (this.records.has(record.name)) this.deps.events.emit({ type: 'workspace-changed', name: record.name });
    await this.save(persistence);
  }

  private async save(persistence: 'soon' | 'durable'): Promise<void> {
    if (persistence === 'soon') return this.deps.writer.soon();
    try {
      await this.deps.writer.now();
    } catch (error) {
      this.deps.log(`could not save the state file: ${errorMessage(error)}`);
      this.deps.events.emit({ type: 'warning', message: `Drydock could not save its state: ${errorMessage(error)}` });
    }
  }
}
