import { DrydockError } from './errors';

/**
 * The workspace state machine of DESIGN.md "States". `unknown` is what every
 * workspace shows while Docker cannot be reached; nothing changes meanwhile.
 */
export const WORKSPACE_STATES = ['off', 'building', 'running', 'failed', 'stopping', 'unknown'] as const;
export type WorkspaceState = (typeof WORKSPACE_STATES)[number];

export type WorkspaceEvent =
  | 'build' // a rebuild starts
  | 'built' // all must-pass hooks passed
  | 'buildFailed'
  | 'stop'
  | 'stopped'
  | 'dockerLost'
  | 'reconcile'; // Docker answers again; the observed state replaces ours

const NEXT: Record<Exclude<WorkspaceEvent, 'reconcile'>, Partial<Record<WorkspaceState, WorkspaceState>>> = {
  build: { off: 'building', running: 'building', failed: 'building' },
  built: { building: 'running' },
  buildFailed: { building: 'failed' },
  stop: { running: 'stopping', failed: 'stopping', off: 'off' },
  stopped: { stopping: 'off' },
  dockerLost: { off: 'unknown', building: 'unknown', running: 'unknown', failed: 'unknown', stopping: 'unknown', unknown: 'unknown' },
};

/** The state after `event`, or a DrydockError saying why the event cannot happen now. */
export function transition(state: WorkspaceState, event: WorkspaceEvent, observed?: WorkspaceState): WorkspaceState {
  if (event === 'reconcile') {
    if (!observed) throw new DrydockError('internal', 'reconcile needs the observed state');
    return observed;
  }
  const next = NEXT[event][state];
  if (next) return next;
  throw new DrydockError(refusalCode(state), refusal(state, event));
}

function refusalCode(state: WorkspaceState): 'busy' | 'conflict' | 'docker_unreachable' {
  if (state === 'building' || state === 'stopping') return 'busy';
  if (state === 'unknown') return 'docker_unreachable';
  return 'conflict';
}

function refusal(state: WorkspaceState, event: WorkspaceEvent): string {
  switch (state) {
    case 'building':
      return 'the workspace is already building; wait for that build to finish (follow it with `drydock logs NAME --follow`).';
    case 'stopping':
      return 'the workspace is stopping; wait a moment and try again.';
    case 'unknown':
      return 'Docker cannot be reached, so the workspace state is unknown; start the Docker engine and try again.';
    default:
      return `cannot ${event} a workspace that is ${state}.`;
  }
}

/** The state observed from Docker alone, for reconciliation: no container means off. */
export function observedState(container: { running: boolean } | undefined): WorkspaceState {
  if (!container) return 'off';
  return container.running ? 'running' : 'failed';
}
