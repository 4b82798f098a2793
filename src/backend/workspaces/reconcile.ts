import type { SpecInput } from '../../core/spec';
import { specFromLabel } from '../../core/specLabel';
import { transition } from '../../core/state';
import type { WorkspaceObservation } from '../lifecycle/types';
import type { WorkspaceRecord } from './records';

/** Shown after the status `interrupted` (status line, log file), so it does not repeat the word. */
export const INTERRUPTED_MESSAGE = 'the backend stopped during this build (crash, kill or restart); rebuild to finish it.';

/**
 * Brings one record to what Docker shows (Docker is the truth for what
 * exists). A record still `building` with no build running here lost its
 * build to a crash: it becomes `failed` with the build marked interrupted.
 * Returns whether that happened, so the caller can end the build's log.
 */
export function applyObservation(record: WorkspaceRecord, observation: WorkspaceObservation | undefined, buildingHere: boolean): { interrupted: boolean } {
  let interrupted = false;
  if (record.state === 'building' && !buildingHere) {
    if (record.lastBuild) record.lastBuild = { ...record.lastBuild, status: 'interrupted', message: INTERRUPTED_MESSAGE, finishedAt: new Date().toISOString() };
    record.state = transition(record.state, 'buildFailed');
    interrupted = true;
  } else if (record.state !== 'building' && !keptAfterFailedBuild(record, observation)) {
    const stoppedOutside = stoppedOutsideDrydock(record, observation);
    if (stoppedOutside && !record.notice) record.notice = stoppedOutside;
    else if (!stoppedOutside && observation?.state === 'running') delete record.notice;
    record.state = transition(record.state, 'reconcile', stoppedOutside ? 'off' : (observation?.state ?? 'off'));
  }
  if (observation?.container) record.containerId = observation.container.id;
  else delete record.containerId;
  return { interrupted };
}

/**
 * A failed or interrupted build keeps its container running for debugging; it
 * stays `failed` (not `running`) until a build succeeds, whatever happens in it.
 */
function keptAfterFailedBuild(record: WorkspaceRecord, observation: WorkspaceObservation | undefined): boolean {
  const buildFailed = record.lastBuild?.status === 'failed' || record.lastBuild?.status === 'interrupted';
  return record.state === 'failed' && buildFailed && observation?.state === 'running' && observation.container?.id === record.containerId;
}

/**
 * A workspace whose last build succeeded, whose container now exists but
 * does not run: something outside Drydock stopped it (`docker stop`, a
 * crash, the host's OOM killer). It is `off`, not a failed build, and says so.
 */
function stoppedOutsideDrydock(record: WorkspaceRecord, observation: WorkspaceObservation | undefined): string | undefined {
  const container = observation?.container;
  if (!container || observation.state !== 'failed' || record.lastBuild?.status !== 'running') return undefined;
  if (record.containerId !== undefined && record.containerId !== container.id) return undefined;
  return `stopped outside Drydock (exit code ${container.exitCode}); its home is kept. Rebuild it to continue.`;
}

/**
 * A record for a workspace of this backend that Docker has and the state
 * file lost: the whole spec comes from the container's label (env values from
 * its environment), or for a workspace that has only its home, from the
 * volume's. Returns what could not be restored, for the log.
 */
export function adoptedRecord(observation: WorkspaceObservation): { record: WorkspaceRecord; lost: string[] } | undefined {
  const container = observation.container;
  const labelled = specFromLabel(container?.spec, container?.env) ?? specFromLabel(observation.homeSpec);
  const lost: string[] = [];
  let spec: SpecInput;
  if (labelled) {
    spec = { ...labelled.spec, name: observation.name };
    if (labelled.lostEnv.length > 0) lost.push(`the values of ${labelled.lostEnv.join(', ')} (they live only in a container; set them again)`);
  } else if (container) {
    // A container from before specs were labelled: its labels still give the image and user.
    spec = { name: observation.name, image: container.image, ...(container.user ? { user: container.user } : {}) };
    lost.push('everything but the image and user (the container predates spec labels)');
  } else {
    return undefined;
  }
  const record: WorkspaceRecord = { name: observation.name, spec, state: observation.state, createdAt: container?.builtAt || new Date().toISOString() };
  if (container) {
    record.containerId = container.id;
    if (container.buildId) {
      const built = container.builtAt || record.createdAt;
      record.lastBuild = { buildId: container.buildId, status: observation.state === 'running' ? 'running' : 'failed', startedAt: built, finishedAt: built };
      if (observation.state === 'running') record.builtAt = built;
    }
  }
  return { record, lost };
}
