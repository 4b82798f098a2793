import { errorMessage } from '../../core/errors';
import type { PullPolicy } from '../../core/imageReference';
import type { SpecInput, WorkspaceSpec } from '../../core/spec';
import { transition, type ObservedState } from '../../core/state';
import type { BuildHandle, BuildRunner } from '../builds/buildRunner';
import type { BackendEvent } from './backendEvents';
import type { EventBus } from './eventBus';
import type { BuildSummary, WorkspaceRecord } from './records';

export interface RecordedBuildDeps {
  events: EventBus<BackendEvent>;
  log: (message: string) => void;
  /** Announces and saves the record. */
  changed(record: WorkspaceRecord): Promise<void>;
  /** Keeps the parsed spec of the input the build made current. */
  parsed(input: SpecInput, spec: WorkspaceSpec): void;
  /** After a build that left the workspace running, once its record says so. */
  succeeded?(record: WorkspaceRecord): void;
}

/**
 * The builds this backend started whose end is not in their record yet: the
 * runner lets go of a build a moment before its record shows the end, so a
 * stop waits for these too, or it would save "building".
 */
export class RecordedBuilds {
  private readonly recording = new Set<Promise<unknown>>();
  /** Each workspace's build whose end is not in its record yet, by workspace. */
  private readonly unrecorded = new Map<string, RecordedBuild>();

  constructor(private readonly deps: RecordedBuildDeps) {}

  start(runner: BuildRunner, record: WorkspaceRecord, input: SpecInput, spec: WorkspaceSpec, pull?: PullPolicy): RecordedBuild {
    const handle = startRecordedBuild(this.deps, runner, record, input, spec, pull);
    const recorded = handle.finished.catch(() => undefined);
    this.recording.add(recorded);
    void recorded.finally(() => this.recording.delete(recorded));
    this.unrecorded.set(record.name, handle);
    void handle.recorded.then(() => {
      if (this.unrecorded.get(record.name) === handle) this.unrecorded.delete(record.name);
    });
    return handle;
  }

  /** Resolves once the record of `workspace` shows the end of build `buildId` (at once when it already does). */
  recorded(workspace: string, buildId: string): Promise<void> {
    const build = this.unrecorded.get(workspace);
    return build?.id === buildId ? build.recorded : Promise.resolve();
  }

  /** Resolves once every build started has its end recorded, or at `deadline` (ms since the epoch). */
  async settled(deadline: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
    await Promise.race([Promise.allSettled([...this.recording]), late]).finally(() => clearTimeout(timer));
  }
}

/** A build kept in step with its record: `recorded` resolves once the record shows its end (announced; `finished` also waits for the save). */
export interface RecordedBuild extends BuildHandle<BuildSummary> {
  recorded: Promise<void>;
}

/**
 * Starts a build on the workspace's engine and keeps its record in step: the
 * record is `building` at once, and on the build's end it holds the outcome
 * (the changed spec only if the build got under way). The handle's
 * `finished` resolves with the build's summary once the record shows it.
 */
export function startRecordedBuild(
  deps: RecordedBuildDeps,
  runner: BuildRunner,
  record: WorkspaceRecord,
  input: SpecInput,
  spec: WorkspaceSpec,
  pull?: PullPolicy,
): RecordedBuild {
  // Only off, running and failed workspaces can build; a refused build goes back to where it was.
  const before = record.state as ObservedState;
  const building = transition(record.state, 'build', undefined, record.name);
  // An update pulled ahead for this tag is taken as it is, unless this build asks for a pull policy of its own.
  const ahead = record.pullAhead;
  const outstanding = ahead?.status === 'ready' && ahead.reference === spec.image && ahead.digest !== record.image?.digest;
  const pulledAhead = pull === undefined && outstanding ? ahead.digest : undefined;
  const build = runner.start(spec, pull, pulledAhead);
  const name = record.name;
  build.log.subscribe((entry) => deps.events.emit({ type: 'build-log', workspace: name, buildId: build.id, entry }));
  build.log.onWriteError((error) => {
    const reason = errorMessage(error);
    const message = `workspace ${name}: could not write the log of build ${build.id} to ${build.log.file} (${reason}); the build goes on, but its saved log is incomplete. Free disk space there.`;
    deps.log(message);
    deps.events.emit({ type: 'warning', workspace: name, message });
  });
  record.state = building;
  record.lastBuild = { buildId: build.id, status: 'building', startedAt: new Date().toISOString() };
  void deps.changed(record);
  let markRecorded!: () => void;
  const recorded = new Promise<void>((resolve) => (markRecorded = resolve));
  const finished = build.finished.then(async ({ outcome, error }) => {
    const lastBuild: BuildSummary = { ...record.lastBuild!, finishedAt: new Date().toISOString() };
    if (outcome) {
      record.spec = input;
      deps.parsed(input, spec);
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
    const saved = deps.changed(record);
    markRecorded();
    await saved;
    if (outcome?.state === 'running') deps.succeeded?.(record);
    return lastBuild;
  });
  // Whatever happens above, followers waiting for the record are let go.
  void finished.finally(markRecorded).catch(() => undefined);
  return { id: build.id, log: build.log, finished, recorded };
}
