import { DrydockError, errorMessage, isDrydockError } from '../../core/errors';
import type { WorkspaceSpec } from '../../core/spec';
import type { WorkspaceLifecycle } from '../lifecycle/workspaceLifecycle';
import type { BuildResult } from '../lifecycle/types';
import { BuildLog } from './buildLog';
import type { BuildLogStore } from './logStore';

export interface FinishedBuild {
  buildId: string;
  log: BuildLog;
  /** Undefined when the build was refused before anything changed (the error says why). */
  result?: BuildResult;
  error?: DrydockError;
}

/**
 * One build with its log: a log file per build, live to subscribers while it
 * runs (late ones get the lines so far), kept afterwards with the last 20.
 */
export class BuildRunner {
  private readonly live = new Map<string, BuildLog>();

  constructor(
    private readonly lifecycle: WorkspaceLifecycle,
    private readonly logs: BuildLogStore,
  ) {}

  /** The running build's log, for late subscribers. */
  current(workspace: string): BuildLog | undefined {
    return this.live.get(workspace);
  }

  /**
   * Starts a build and returns its log at once (so callers can follow it) and
   * the outcome when it ends. A busy workspace is refused before a log exists.
   */
  start(spec: WorkspaceSpec, onLog?: (log: BuildLog) => void): Promise<FinishedBuild> {
    if (this.live.has(spec.name)) {
      throw new DrydockError('busy', `workspace ${spec.name} is already building; follow that build with \`drydock logs ${spec.name} --follow\`.`);
    }
    const buildId = this.logs.newBuildId();
    const log = new BuildLog({ workspace: spec.name, buildId, file: this.logs.fileFor(spec.name, buildId) });
    this.live.set(spec.name, log);
    onLog?.(log);
    return this.run(spec, log);
  }

  private async run(spec: WorkspaceSpec, log: BuildLog): Promise<FinishedBuild> {
    const buildId = log.buildId;
    try {
      const result = await this.lifecycle.rebuild(spec, buildId, log);
      const message = result.error?.message ?? (result.warnings.length > 0 ? `running with ${result.warnings.length} warning(s)` : 'running');
      await log.finish({ status: result.state, message });
      return { buildId, log, result, ...(result.error ? { error: result.error } : {}) };
    } catch (error) {
      const failure = isDrydockError(error) ? error : new DrydockError('internal', errorMessage(error));
      await log.finish({ status: 'failed', message: `${failure.message} (nothing was changed)` });
      return { buildId, log, error: failure };
    } finally {
      this.live.delete(spec.name);
      await this.logs.prune(spec.name).catch(() => undefined);
    }
  }
}
