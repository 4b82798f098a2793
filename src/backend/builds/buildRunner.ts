import { DrydockError, errorMessage, isDrydockError } from '../../core/errors';
import type { PullPolicy } from '../../core/imageReference';
import type { WorkspaceSpec } from '../../core/spec';
import { BuildCancel } from '../lifecycle/buildCancel';
import type { WorkspaceLifecycle } from '../lifecycle/workspaceLifecycle';
import type { RebuildOutcome } from '../lifecycle/types';
import { BuildLog } from './buildLog';
import type { BuildLogStore } from './logStore';

export interface FinishedBuild {
  /** Undefined when the build was refused before anything changed (the error says why). */
  outcome?: RebuildOutcome;
  error?: DrydockError;
}

/** A build under way: its id, its live log, and its end. `finished` never rejects. */
export interface BuildHandle<T = FinishedBuild> {
  id: string;
  log: BuildLog;
  finished: Promise<T>;
}

/**
 * One build with its log: a log file per build, live to subscribers while it
 * runs (late ones get the lines so far), kept afterwards with the last 20.
 */
export class BuildRunner {
  private readonly live = new Map<string, BuildHandle>();
  private readonly cancels = new Map<string, BuildCancel>();

  constructor(
    private readonly lifecycle: WorkspaceLifecycle,
    private readonly logs: BuildLogStore,
  ) {}

  /** The running build of a workspace, for late subscribers. */
  current(workspace: string): BuildHandle | undefined {
    return this.live.get(workspace);
  }

  get running(): number {
    return this.live.size;
  }

  /**
   * Cancels the running build of `workspace` while it only reads and pulls
   * (the workspace is then as it was); refused with `conflict` once it has
   * started replacing the container.
   */
  cancel(workspace: string): void {
    const cancel = this.cancels.get(workspace);
    if (!cancel) throw new DrydockError('not_found', `workspace ${workspace} is not building; there is nothing to cancel.`);
    if (!cancel.cancel()) {
      throw new DrydockError(
        'conflict',
        `the build of ${workspace} is already replacing the container, so it can no longer be cancelled without losing both old and new; let it finish (\`drydock logs ${workspace} --follow\`).`,
      );
    }
  }

  /** Starts a build and returns its handle at once. A busy workspace is refused before a log exists. `pull` overrides the spec's pull policy for this build. */
  start(spec: WorkspaceSpec, pull?: PullPolicy, pulledAhead?: string): BuildHandle {
    if (this.live.has(spec.name)) {
      throw new DrydockError('busy', `workspace ${spec.name} is already building; follow that build with \`drydock logs ${spec.name} --follow\`.`);
    }
    const id = this.logs.newBuildId();
    const log = new BuildLog({ workspace: spec.name, buildId: id, file: this.logs.newFile(spec.name, id) });
    // A file that cannot be written (a full disk) is marked, so reading the log later says it is incomplete.
    log.onWriteError((error) => void this.logs.markIncomplete(spec.name, id, errorMessage(error)));
    const handle: BuildHandle = { id, log, finished: Promise.resolve({}) };
    const cancel = new BuildCancel();
    this.live.set(spec.name, handle);
    this.cancels.set(spec.name, cancel);
    handle.finished = this.run(spec, log, { cancel, ...(pull ? { pull } : {}), ...(pulledAhead ? { pulledAhead } : {}) });
    return handle;
  }

  private async run(spec: WorkspaceSpec, log: BuildLog, control: { cancel: BuildCancel; pull?: PullPolicy; pulledAhead?: string }): Promise<FinishedBuild> {
    try {
      const outcome = await this.lifecycle.rebuild(spec, log.buildId, log, control);
      const message = outcome.error?.message ?? (outcome.warnings.length > 0 ? `running with ${outcome.warnings.length} warning(s)` : 'running');
      await log.finish({ status: outcome.state, message });
      return { outcome, ...(outcome.error ? { error: outcome.error } : {}) };
    } catch (error) {
      const failure = isDrydockError(error) ? error : new DrydockError('internal', errorMessage(error));
      const status = failure.code === 'interrupted' ? 'interrupted' : 'failed';
      const said = /nothing was changed/i.test(failure.message);
      await log.finish({ status, message: said ? failure.message : `${failure.message} (nothing was changed)` }).catch(() => undefined);
      return { error: failure };
    } finally {
      this.live.delete(spec.name);
      this.cancels.delete(spec.name);
      // Old logs go after the build's end, not before it: a follower (the CLI) waits for that end.
      void this.logs.prune(spec.name).catch(() => undefined);
    }
  }
}
