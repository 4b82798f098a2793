import { DrydockError } from '../../core/errors';
import type { PullPolicy } from '../../core/imageReference';
import { LOCAL_ENGINE } from '../../core/names';
import { parseWorkspaceSpec, type SpecInput } from '../../core/spec';
import { transition, type WorkspaceEvent } from '../../core/state';
import type { SafetyList } from '../../core/changeBaseline';
import type { DockerAdapter } from '../../docker/adapter';
import type { BuildHandle } from '../builds/buildRunner';
import type { BuildLogStore } from '../builds/logStore';
import type { DotfilesCache } from '../hooks/dotfilesCache';
import { BuildHooks } from '../hooks/hookStage';
import type { InsideAccess } from '../lifecycle/types';
import type { CoalescedWriter } from '../state/coalescedWriter';
import type { BackendEvent } from './backendEvents';
import { EngineReconcile } from './engineReconcile';
import { chooseEngine, engineLoad, type EngineDirectory, type EngineLoad } from './enginePlacement';
import { EngineRuntimes, type EngineRuntime } from './engineRuntimes';
import type { EventBus } from './eventBus';
import { RecordedBuilds } from './recordedBuild';
import type { BuildSummary, PulledImageRecord, WorkspaceRecord } from './records';
import { WorkspaceImages } from './workspaceImages';
import { WorkspaceRecords, type WorkspaceSnapshot } from './workspaceRecords';

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
  /** The engines by name; without it there is only the local one. */
  directory?: EngineDirectory;
  /** After each update check (background or asked for): the pull ahead looks at what it saw. */
  afterUpdateCheck?: (name: string) => void;
}

/**
 * The backend's workspaces: records kept in the state file, operations on
 * each workspace's engine through that engine's lifecycle, and an event for
 * every change. A workspace is pinned to the engine its home lives on. Docker
 * is the truth for what exists; each engine is reconciled on its own.
 * Every state change goes through core/state's transition table.
 */
export class WorkspaceService {
  /** Each engine's runtime: reachability, lifecycle, builds. */
  readonly engines: EngineRuntimes;
  private readonly records: WorkspaceRecords;
  private readonly reconciler: EngineReconcile;
  /** The builds started here, until their ends are in their records (`recorded`: wait for one). */
  readonly builds: RecordedBuilds;
  /** Update checks, and the images Drydock's pulls brought onto each engine (the only ones it removes). */
  readonly images: WorkspaceImages;

  constructor(private readonly deps: ServiceDeps) {
    this.engines = new EngineRuntimes(deps.logs, (engine) => ({
      // Objects from before owner labels are claimed only for workspaces this state file names.
      ownership: { owner: deps.owner, claimsLegacy: (name) => this.records.map.has(name), engine },
      hooks: new BuildHooks(deps.dotfiles),
      ...(deps.inside ? { inside: deps.inside } : {}),
      stopGraceSeconds: deps.stopGraceSeconds ?? 10,
      baselines: deps.logs,
      onPulled: (image) => this.images.remember(engine, image),
      log: deps.log,
    }));
    this.records = new WorkspaceRecords(deps, this.engines);
    this.builds = new RecordedBuilds({
      events: deps.events,
      log: deps.log,
      changed: (changed) => this.records.changed(changed, 'durable'),
      parsed: (parsedInput, parsed) => this.records.parsed(parsedInput, parsed),
      // Not awaited: the build is over for its callers; the cleanup of its engine is the backend's own business.
      succeeded: (built) => void this.images.removeUnused(this.records.engineOf(built)),
    });
    this.images = new WorkspaceImages({
      records: this.records,
      engines: this.engines,
      log: deps.log,
      defaultEngine: () => this.defaultEngine,
      afterUpdateCheck: deps.afterUpdateCheck,
    });
    this.reconciler = new EngineReconcile({
      records: this.records.map,
      runtimes: this.engines,
      engineOf: (record) => this.records.engineOf(record),
      logs: deps.logs,
      log: deps.log,
      changed: (record) => this.records.changed(record, 'durable'),
      save: () => this.records.save('durable'),
    });
  }

  load(records: Iterable<WorkspaceRecord>, pulledImages: readonly PulledImageRecord[] = []): void {
    for (const record of records) this.records.map.set(record.name, record);
    this.images.load(pulledImages);
  }

  /** The records as the state file keeps them. */
  stored(): Record<string, WorkspaceRecord> {
    return Object.fromEntries(this.records.map);
  }

  /** An engine answers: (re)build its runtime and reconcile its workspaces. Builds in flight keep their runner. */
  async dockerUp(docker: DockerAdapter, engine: string = LOCAL_ENGINE): Promise<void> {
    await this.engines.up(engine, docker);
    await this.reconciler.engine(engine);
    this.deps.events.emit({ type: 'docker', engine, reachable: true });
  }

  /** An engine went away: its workspaces (and only its) show `unknown` with the reason. */
  dockerDown(reason: string, engine: string = LOCAL_ENGINE): void {
    this.engines.down(engine, reason);
    this.deps.events.emit({ type: 'docker', engine, reachable: false, error: reason });
    for (const record of this.records.on(engine)) this.deps.events.emit({ type: 'workspace-changed', name: record.name });
  }

  names(): string[] {
    return this.records.names();
  }

  snapshot(name: string): WorkspaceSnapshot {
    return this.records.snapshot(name);
  }

  snapshots(): WorkspaceSnapshot[] {
    return this.names().map((name) => this.snapshot(name));
  }

  /** This backend's workspaces on an engine and the memory their limits take (those not off). */
  engineLoad(engine: string): EngineLoad {
    return engineLoad(this.records, engine);
  }

  /** `engine`: a name, `auto` (the most memory free), or undefined (the default engine). */
  async create(input: SpecInput, build: boolean, engine?: string): Promise<{ name: string; build?: BuildHandle<BuildSummary> }> {
    const runtime = this.engines.require(chooseEngine(engine, this.records, this.engines, this.deps.directory));
    const spec = parseWorkspaceSpec(input, { cpus: runtime.hostCpus, memoryBytes: runtime.hostMemoryBytes });
    if (this.records.map.has(spec.name)) {
      throw new DrydockError('conflict', `workspace ${spec.name} already exists; rebuild it (drydock rebuild ${spec.name}) or delete it first.`, 'name');
    }
    // A home kept from an earlier `rm` is reused: that is what keeping it was for.
    const existing = await runtime.lifecycle.inspect(spec.name);
    await runtime.lifecycle.createHome(spec);
    const record: WorkspaceRecord = {
      name: spec.name,
      engine: runtime.name,
      spec: input,
      state: existing?.state ?? 'off',
      createdAt: new Date().toISOString(),
    };
    if (existing?.homeVolume) this.deps.log(`create ${spec.name}: reusing the existing home volume ${existing.homeVolume}`);
    this.records.map.set(spec.name, record);
    this.records.parsed(record.spec, spec);
    if (!build) {
      await this.records.changed(record, 'durable');
      return { name: spec.name };
    }
    return { name: spec.name, build: this.builds.start(runtime.runner, record, input, spec) };
  }

  /**
   * Starts a rebuild with `changes` applied to the spec, on the workspace's
   * own engine (a rebuild never moves it). The changed spec is kept only if
   * the build gets under way; the handle's `finished` resolves with the
   * build's summary once the record shows its end.
   */
  rebuild(name: string, changes: Partial<SpecInput>, pull?: PullPolicy): BuildHandle<BuildSummary> {
    const record = this.records.require(name);
    const runtime = this.runtimeOf(record);
    const input: SpecInput = { ...record.spec, ...changes, name };
    return this.builds.start(runtime.runner, record, input, parseWorkspaceSpec(input, { cpus: runtime.hostCpus, memoryBytes: runtime.hostMemoryBytes }), pull);
  }

  /** Cancels the running build while it only pulls (see BuildRunner.cancel). */
  cancelBuild(name: string): void {
    this.runtimeOf(this.records.require(name)).runner.cancel(name);
  }

  async stop(name: string): Promise<void> {
    const record = this.records.require(name);
    const runtime = this.runtimeOf(record);
    this.apply(record, 'stop');
    await this.records.changed(record, 'durable');
    try {
      // An off workspace may still have a container (stopped outside Drydock): stop removes it too.
      await runtime.lifecycle.stop(name);
      if (record.state === 'stopping') this.apply(record, 'stopped');
      delete record.containerId;
      delete record.notice;
      // Clients hear of the stop here: the reconcile below announces only what Docker then changes.
      await this.records.changed(record, 'durable');
    } finally {
      await this.reconcileOne(record);
    }
  }

  async delete(name: string, deleteHome: boolean): Promise<void> {
    const record = this.records.require(name);
    const runtime = this.runtimeOf(record);
    if (record.state === 'building') throw new DrydockError('busy', `workspace ${name} is building; wait for the build to end before deleting it.`);
    await runtime.lifecycle.delete(name, { deleteHome });
    this.records.map.delete(name);
    if (deleteHome) await this.deps.logs.removeAll(name);
    await this.records.save('durable');
    this.deps.events.emit({ type: 'workspace-removed', name });
  }

  async rebuildSafety(name: string): Promise<SafetyList> {
    return this.runtimeOf(this.records.require(name)).lifecycle.rebuildSafety(name);
  }

  currentBuild(name: string): BuildHandle | undefined {
    const record = this.records.require(name);
    return this.engines.get(this.records.engineOf(record))?.runner.current(name);
  }

  /** The workspace's running container and user, and the engine it runs on, for execs, terminals and files. */
  async runningContainer(name: string): Promise<{ id: string; user: string; home: string; docker: DockerAdapter }> {
    const runtime = this.runtimeOf(this.records.require(name));
    return { ...(await runtime.lifecycle.runningContainer(name)), docker: runtime.docker };
  }

  /**
   * Waits (bounded) for running builds to finish, for a clean shutdown. A
   * build still running afterwards stays `building` in the state file, and
   * the next start marks it interrupted.
   */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.engines.drain(timeoutMs);
    await this.builds.settled(deadline);
  }

  /** One workspace, after a Docker event or a failed operation. */
  reconcileOne(record: WorkspaceRecord): Promise<void> {
    return this.reconciler.one(record);
  }

  /** A container event from `engine`: only a workspace that lives there is looked at again. */
  async onContainerEvent(workspace: string, engine: string = LOCAL_ENGINE): Promise<void> {
    const record = this.records.map.get(workspace);
    if (record && this.records.engineOf(record) === engine && record.state !== 'building' && record.state !== 'stopping') await this.reconcileOne(record);
  }

  /** Adopts what `engine` has of this backend's and the state file lost (see EngineReconcile.adopt). */
  adoptFromDocker(engine: string = LOCAL_ENGINE): Promise<string[]> {
    return this.reconciler.adopt(engine, (record) => {
      if (engine !== LOCAL_ENGINE) record.engine = engine;
    });
  }

  /**
   * Changes a record on behalf of auto-off and the scheduler, then announces
   * it once. `soon` merges the write with others (heartbeats); `durable`
   * resolves once it is on disk.
   */
  async patch(name: string, change: (record: WorkspaceRecord) => void, persistence: 'soon' | 'durable' = 'durable'): Promise<void> {
    const record = this.records.require(name);
    change(record);
    await this.records.changed(record, persistence);
  }

  record(name: string): Readonly<WorkspaceRecord> {
    return this.records.require(name);
  }

  has(name: string): boolean {
    return this.records.map.has(name);
  }

  /** The runtime of the engine a workspace lives on (its adapter and its pulls); `docker_unreachable` while that engine is away. */
  engineRuntime(name: string): EngineRuntime {
    return this.runtimeOf(this.records.require(name));
  }

  /** Whether the default engine answers (health, and the daily update checks). */
  get isDockerReachable(): boolean {
    return this.engines.isReachable(this.defaultEngine);
  }

  get defaultEngine(): string {
    return this.deps.directory?.defaultName() ?? LOCAL_ENGINE;
  }

  private runtimeOf(record: Readonly<WorkspaceRecord>): EngineRuntime {
    return this.engines.require(this.records.engineOf(record));
  }

  private apply(record: WorkspaceRecord, event: Exclude<WorkspaceEvent, 'reconcile'>): void {
    record.state = transition(record.state, event, undefined, record.name);
  }
}
