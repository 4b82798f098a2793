import { DrydockError, errorMessage } from '../../core/errors';
import { parseWorkspaceSpec, type WorkspaceSpec } from '../../core/spec';
import { transition } from '../../core/state';
import type { DockerAdapter } from '../../docker/adapter';
import type { BuildStarted, SpecInput, WorkspaceView } from '../api/protocol';
import { BuildRunner } from '../build/buildRunner';
import type { BuildLogStore } from '../build/logStore';
import type { DotfilesCache } from '../hooks/dotfilesCache';
import { BuildHooks } from '../hooks/hookStage';
import { WorkspaceLifecycle } from '../lifecycle/workspaceLifecycle';
import type { WorkspaceObservation } from '../lifecycle/types';
import type { EventBus } from './eventBus';
import { adoptedRecord, applyObservation, INTERRUPTED_MESSAGE } from './reconcile';
import { toView, type WorkspaceRecord } from './records';

export interface ServiceDeps {
  logs: BuildLogStore;
  dotfiles: DotfilesCache;
  events: EventBus;
  /** Persists the records (atomically); called after every change. */
  save: (records: ReadonlyMap<string, WorkspaceRecord>) => Promise<void>;
  log: (message: string) => void;
  stopGraceSeconds?: number;
}

/**
 * The backend's workspaces: records kept in the state file, operations on
 * the engine through the lifecycle, and an event for every change. Docker is
 * the truth for what exists; `reconcile` brings the records back to it.
 */
export class WorkspaceService {
  private readonly records = new Map<string, WorkspaceRecord>();
  private readonly decorators: ((view: WorkspaceView, record: WorkspaceRecord) => void)[] = [];
  private readonly parsedSpecs = new WeakMap<object, WorkspaceSpec | undefined>();
  private engine: { docker: DockerAdapter; lifecycle: WorkspaceLifecycle; runner: BuildRunner; hostCpus: number } | undefined;
  private dockerReachable = false;

  constructor(private readonly deps: ServiceDeps) {}

  load(records: Iterable<WorkspaceRecord>): void {
    for (const record of records) this.records.set(record.name, record);
  }

  /** Docker answers: (re)build the engine objects and reconcile. Builds in flight keep their runner. */
  async dockerUp(docker: DockerAdapter): Promise<void> {
    if (this.engine?.docker !== docker) {
      const lifecycle = new WorkspaceLifecycle(docker, { hooks: new BuildHooks(this.deps.dotfiles), stopGraceSeconds: this.deps.stopGraceSeconds ?? 10 });
      this.engine = { docker, lifecycle, runner: new BuildRunner(lifecycle, this.deps.logs), hostCpus: await docker.hostCpus() };
    }
    this.dockerReachable = true;
    await this.reconcile();
    this.deps.events.emit({ type: 'docker', reachable: true });
  }

  dockerDown(reason: string): void {
    this.dockerReachable = false;
    this.deps.events.emit({ type: 'docker', reachable: false, error: reason });
    for (const record of this.records.values()) this.emit(record);
  }

  list(): WorkspaceView[] {
    return [...this.records.values()].sort((a, b) => a.name.localeCompare(b.name)).map((record) => this.view(record));
  }

  get(name: string): WorkspaceView {
    return this.view(this.require(name));
  }

  async create(input: SpecInput, build: boolean): Promise<{ workspace: WorkspaceView; buildId?: string }> {
    const engine = this.requireEngine();
    const spec = parseWorkspaceSpec(input, { cpus: engine.hostCpus });
    if (this.records.has(spec.name)) {
      throw new DrydockError('conflict', `workspace ${spec.name} already exists; rebuild it (drydock rebuild ${spec.name}) or delete it first.`, 'name');
    }
    // A home kept from an earlier `rm` is reused: that is what keeping it was for.
    const existing = await engine.lifecycle.inspect(spec.name);
    await engine.lifecycle.createHome(spec.name);
    const record: WorkspaceRecord = { name: spec.name, spec: input, state: existing?.state ?? 'off', createdAt: new Date().toISOString() };
    if (existing?.homeVolume) this.deps.log(`create ${spec.name}: reusing the existing home volume ${existing.homeVolume}`);
    this.records.set(spec.name, record);
    await this.changed(record);
    if (!build) return { workspace: this.view(record) };
    const started = this.rebuild(spec.name, {});
    return { workspace: started.workspace, buildId: started.buildId };
  }

  /** Starts a rebuild with `changes` applied to the spec; the spec changes are kept only if the build gets under way. */
  rebuild(name: string, changes: SpecInput): BuildStarted {
    const record = this.require(name);
    const engine = this.requireEngine();
    const input = { ...record.spec, ...changes, name };
    const spec = parseWorkspaceSpec(input, { cpus: engine.hostCpus });
    const before = record.state;
    transition(before, 'build');
    let buildId = '';
    const finished = engine.runner.start(spec, (log) => {
      buildId = log.buildId;
      log.subscribe((entry) => this.deps.events.emit({ type: 'build-log', workspace: name, buildId: log.buildId, entry }));
    });
    record.state = 'building';
    record.lastBuild = { buildId, status: 'building', startedAt: new Date().toISOString() };
    void this.changed(record);
    // The build reports its own outcome into the record; failures are in the log and lastBuild.
    void finished.then(async ({ result, error }) => {
      const lastBuild = { ...record.lastBuild!, finishedAt: new Date().toISOString() };
      if (result) {
        record.spec = input;
        record.state = result.state;
        lastBuild.status = result.state;
        if (result.containerId) record.containerId = result.containerId;
        if (result.state === 'running') record.builtAt = lastBuild.finishedAt;
        if (result.warnings.length > 0) lastBuild.warnings = result.warnings;
      } else {
        record.state = before;
        lastBuild.status = 'failed';
      }
      if (error) lastBuild.message = error.message;
      record.lastBuild = lastBuild;
      await this.changed(record);
    });
    return { buildId, workspace: this.view(record) };
  }

  async stop(name: string): Promise<WorkspaceView> {
    const record = this.require(name);
    const engine = this.requireEngine();
    record.state = transition(record.state, 'stop') as WorkspaceRecord['state'];
    await this.changed(record);
    try {
      await engine.lifecycle.stop(name);
      record.state = 'off';
      delete record.containerId;
    } finally {
      await this.reconcileOne(record);
    }
    return this.view(record);
  }

  async delete(name: string, deleteHome: boolean): Promise<void> {
    const record = this.require(name);
    const engine = this.requireEngine();
    if (record.state === 'building') throw new DrydockError('busy', `workspace ${name} is building; wait for the build to end before deleting it.`);
    await engine.lifecycle.delete(name, { deleteHome });
    this.records.delete(name);
    if (deleteHome) await this.deps.logs.removeAll(name);
    await this.deps.save(this.records);
    this.deps.events.emit({ type: 'workspace-removed', name });
  }

  async rebuildSafety(name: string): Promise<{ path: string; kind: 'changed' | 'added' | 'deleted' }[]> {
    this.require(name);
    return this.requireEngine().lifecycle.rebuildSafety(name);
  }

  currentBuild(name: string): ReturnType<BuildRunner['current']> {
    this.require(name);
    return this.engine?.runner.current(name);
  }

  async runningContainer(name: string): Promise<{ id: string; user: string; home: string }> {
    this.require(name);
    return this.requireEngine().lifecycle.runningContainer(name);
  }

  requireEngine(): { docker: DockerAdapter; lifecycle: WorkspaceLifecycle; runner: BuildRunner; hostCpus: number } {
    if (!this.engine || !this.dockerReachable) {
      throw new DrydockError('docker_unreachable', 'Docker cannot be reached; start the Docker engine. Nothing was changed, and Drydock reconnects on its own.');
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
    while (Date.now() < deadline && [...this.records.keys()].some((name) => this.engine?.runner.current(name))) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Writes the records once more (after the last change's own save). */
  async flush(): Promise<void> {
    await this.deps.save(this.records);
  }

  /** Brings every record back to what Docker shows; interrupted builds are marked and their leftovers removed. */
  async reconcile(): Promise<void> {
    const { lifecycle, runner } = this.requireEngine();
    const building = new Set([...this.records.keys()].filter((name) => runner.current(name)));
    for (const leftover of await lifecycle.removeInterruptedBuildContainers(building)) this.deps.log(`removed ${leftover}, left by an interrupted build`);
    const observed = new Map((await lifecycle.list()).map((observation) => [observation.name, observation]));
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

  /** Adopts workspaces that Docker has and the state file lost (a corrupt or deleted state file). */
  async adoptFromDocker(): Promise<string[]> {
    const { lifecycle } = this.requireEngine();
    const adopted: string[] = [];
    for (const observation of await lifecycle.list()) {
      const record = this.records.has(observation.name) ? undefined : adoptedRecord(observation);
      if (!record) continue;
      this.records.set(record.name, record);
      adopted.push(record.name);
    }
    if (adopted.length > 0) await this.deps.save(this.records);
    return adopted;
  }

  private async applyObservation(record: WorkspaceRecord, observation: WorkspaceObservation | undefined): Promise<void> {
    const before = JSON.stringify(record);
    const { interrupted } = applyObservation(record, observation, Boolean(this.engine?.runner.current(record.name)));
    if (interrupted && record.lastBuild) {
      this.deps.log(`${record.name}: build ${record.lastBuild.buildId} ${INTERRUPTED_MESSAGE}`);
      await this.deps.logs.markInterrupted(record.name, record.lastBuild.buildId, INTERRUPTED_MESSAGE).catch((error: unknown) => this.deps.log(`could not mark the log of ${record.lastBuild?.buildId ?? ''} interrupted: ${errorMessage(error)}`));
    }
    if (JSON.stringify(record) !== before) await this.changed(record);
  }

  /** Changes a record on behalf of auto-off and the scheduler, then saves and announces it. */
  async patch(name: string, change: (record: WorkspaceRecord) => void): Promise<WorkspaceView> {
    const record = this.require(name);
    change(record);
    await this.changed(record);
    return this.view(record);
  }

  record(name: string): Readonly<WorkspaceRecord> {
    return this.require(name);
  }

  names(): string[] {
    return [...this.records.keys()];
  }

  get isDockerReachable(): boolean {
    return this.dockerReachable;
  }

  /** Lets auto-off and the scheduler add their part (deadline, next start) to every view. */
  decorate(decorator: (view: WorkspaceView, record: WorkspaceRecord) => void): void {
    this.decorators.push(decorator);
  }

  private require(name: string): WorkspaceRecord {
    const record = this.records.get(name);
    if (!record) throw new DrydockError('not_found', `no workspace named "${name}"; list them with \`drydock ls\`.`, 'name');
    return record;
  }

  private view(record: WorkspaceRecord): WorkspaceView {
    const view = toView(record, this.specOf(record), this.dockerReachable);
    for (const decorate of this.decorators) decorate(view, record);
    return view;
  }

  /** Parsed once per stored spec object (a change replaces the object), so listing stays cheap. */
  private specOf(record: WorkspaceRecord): WorkspaceSpec | undefined {
    if (this.parsedSpecs.has(record.spec)) return this.parsedSpecs.get(record.spec);
    let spec: WorkspaceSpec | undefined;
    try {
      spec = parseWorkspaceSpec(record.spec, { cpus: this.engine?.hostCpus ?? Number.MAX_SAFE_INTEGER });
    } catch {
      spec = undefined;
    }
    this.parsedSpecs.set(record.spec, spec);
    return spec;
  }

  private async changed(record: WorkspaceRecord): Promise<void> {
    this.emit(record);
    try {
      await this.deps.save(this.records);
    } catch (error) {
      this.deps.log(`could not save the state file: ${errorMessage(error)}`);
      this.deps.events.emit({ type: 'warning', message: `Drydock could not save its state: ${errorMessage(error)}` });
    }
  }

  private emit(record: WorkspaceRecord): void {
    if (this.records.has(record.name)) this.deps.events.emit({ type: 'workspace', workspace: this.view(record) });
  }
}

