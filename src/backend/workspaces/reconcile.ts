import type { SpecInput } from '../../core/spec';
import { transition } from '../../core/state';
import type { WorkspaceObservation } from '../lifecycle/types';
import type { WorkspaceRecord } from './records';

export const INTERRUPTED_MESSAGE = 'interrupted: the backend stopped during this build (crash, kill or restart); rebuild to finish it.';

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
    record.state = transition(record.state, 'reconcile', observation?.state ?? 'off');
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

/** A record for a workspace Docker has and the state file lost: its labels give the image and user. */
export function adoptedRecord(observation: WorkspaceObservation): WorkspaceRecord | undefined {
  if (!observation.container) return undefined;
  const spec: SpecInput = {
    name: observation.name,
    image: observation.container.image,
    ...(observation.container.user ? { user: observation.container.user } : {}),
  };
  return { name: observation.name, spec, state: observation.state, createdAt: observation.container.builtAt || new Date().toISOString() };
}
