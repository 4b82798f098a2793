import { DrydockError } from './errors';

/**
 * The workspace state machine (docs/state-machine.md). Every change of a
 * workspace's stored state goes through `transition`; an event that cannot
 * happen in the current state is refused with the reason, so a caller can
 * never put a workspace into a state the table does not allow.
 */
export const STORED_STATES = ['off', 'building', 'running', 'failed', 'stopping'] as const;
export type StoredState = (typeof STORED_STATES)[number];

/** What clients see: `unknown` is shown for every workspace while Docker cannot be reached, and never stored. */
export const WORKSPACE_STATES = [...STORED_STATES, 'unknown'] as const;
export type WorkspaceState = (typeof WORKSPACE_STATES)[number];

/** What Docker alone can tell: a running container, a stopped one, or none (home only). */
export type ObservedState = Extract<StoredState, 'off' | 'running' | 'failed'>;

export type WorkspaceEvent =
  | 'build' // a rebuild starts
  | 'built' // all must-pass hooks passed
  | 'buildFailed' // a step failed, or the backend died during the build
  | 'stop'
  | 'stopped'
  | 'reconcile'; // Docker's view replaces ours (at start, after a Docker event, after a refused build)

const NEXT: Record<Exclude<WorkspaceEvent, 'reconcile'>, Partial<Record<StoredState, StoredState>>> = {
  build: { off: 'building', running: 'building', failed: 'building' },
  built: { building: 'running' },
  buildFailed: { building: 'failed' },
  stop: { running: 'stopping', failed: 'stopping', off: 'off' },
  stopped: { stopping: 'off' },
};

/** The state after `event`, or a DrydockError saying why the event cannot happen now (naming `workspace` when given). */
export function transition(state: StoredState, event: WorkspaceEvent, observed?: ObservedState, workspace?: string): StoredState {
  if (event === 'reconcile') {
    if (!observed) throw new DrydockError('internal', 'reconcile needs the observed state');
    return observed;
  }
  const next = NEXT[event][state];
  if (next) return next;
  throw new DrydockError(state === 'building' || state === 'stopping' ? 'busy' : 'conflict', refusal(state, event, workspace));
}

/** The state a client is shown. */
export function shownState(state: StoredState, dockerReachable: boolean): WorkspaceState {
  return dockerReachable ? state : 'unknown';
}

/** What each event does, as a refusal says it ("cannot stop workspace api: it is ..."). */
const ACTION: Record<WorkspaceEvent, string> = {
  build: 'build',
  built: 'finish a build of',
  buildFailed: 'fail a build of',
  stop: 'stop',
  stopped: 'mark as stopped',
  reconcile: 'reconcile',
};

function refusal(state: StoredState, event: WorkspaceEvent, workspace: string | undefined): string {
  const subject = workspace === undefined ? 'the workspace' : `workspace ${workspace}`;
  switch (state) {
    case 'building':
      return workspace === undefined
        ? 'the workspace is already building; wait for that build to finish (`drydock logs` with its name and --follow shows it).'
        : `workspace ${workspace} is already building; wait for that build to finish (follow it with \`drydock logs ${workspace} --follow\`).`;
    case 'stopping':
      return `${subject} is stopping; wait a moment and try again.`;
    default:
      return `cannot ${ACTION[event]} ${workspace === undefined ? 'a workspace' : subject}: it is ${state}.`;
  }
}

/** The state observed from Docker alone, for reconciliation: no container means off. */
export function observedState(container: { running: boolean } | undefined): ObservedState {
  if (!container) return 'off';
  return container.running ? 'running' : 'failed';
}
