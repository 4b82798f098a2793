/**
 * The activity clock of one workspace (auto-off in docs/behaviour.md), pure: each
 * function takes the current time and returns a new state, so the backend
 * owns the timer and persistence and this file owns the rules.
 */
export interface Lease {
  id: string;
  holder: string;
  expiresAt: number;
  /** When it was first taken (renewals keep it): what "busy: make test, 12 min" counts from. */
  since: number;
  /** A lease taken from inside the workspace: the name of the pipe its holder keeps open (see backend/inside). */
  pipe?: string;
}

export interface ActivityState {
  lastActivityAt: number;
  /** Undefined: auto-off is off. */
  deadline: number | undefined;
  /** The latest "extend until"; activity never moves the deadline before it. */
  extendedUntil?: number;
  leases: Lease[];
  /** warnBefore offsets already sent for the current deadline. */
  warned: number[];
}

export type ClockEffect = { kind: 'warn'; offsetMs: number; deadline: number } | { kind: 'stop'; deadline: number; overdueMs: number };

export function startClock(now: number, thresholdMs: number | 'off'): ActivityState {
  return { lastActivityAt: now, deadline: thresholdMs === 'off' ? undefined : now + thresholdMs, leases: [], warned: [] };
}

/** A heartbeat: the deadline moves to now + threshold, never before an extension. */
export function recordActivity(state: ActivityState, now: number, thresholdMs: number | 'off'): ActivityState {
  const extendedUntil = state.extendedUntil !== undefined && state.extendedUntil > now ? state.extendedUntil : undefined;
  const deadline = thresholdMs === 'off' ? undefined : Math.max(now + thresholdMs, extendedUntil ?? 0);
  const next: ActivityState = { lastActivityAt: now, deadline: state.deadline, leases: state.leases, warned: state.warned };
  if (extendedUntil !== undefined) next.extendedUntil = extendedUntil; // a past extension no longer matters
  return withDeadline(next, deadline);
}

/** "Keep working until": the deadline is never shortened by an extension. Not activity: the user asked for a time, not a threshold. */
export function extend(state: ActivityState, now: number, until: number, thresholdMs: number | 'off'): ActivityState {
  if (thresholdMs === 'off') return state;
  const current = state.deadline ?? now + thresholdMs;
  return withDeadline({ ...state, extendedUntil: Math.max(state.extendedUntil ?? 0, until) }, Math.max(current, until));
}

/** Adds or renews a busy lease; one that is not renewed expires, so a crashed client cannot pin the workspace. */
export function holdLease(state: ActivityState, now: number, lease: { id: string; holder: string; ttlMs: number; pipe?: string }): ActivityState {
  const held = state.leases.find((candidate) => candidate.id === lease.id);
  const others = liveLeases(state, now).filter((candidate) => candidate.id !== lease.id);
  const pipe = lease.pipe ?? held?.pipe;
  const renewed: Lease = { id: lease.id, holder: lease.holder, expiresAt: now + lease.ttlMs, since: held?.since ?? now, ...(pipe ? { pipe } : {}) };
  return { ...state, leases: [...others, renewed] };
}

/** Ends a lease; the work just ended, so that counts as activity. An unknown id changes nothing. */
export function releaseLease(state: ActivityState, now: number, id: string, thresholdMs: number | 'off'): ActivityState {
  if (!state.leases.some((lease) => lease.id === id)) return state;
  const leases = liveLeases(state, now).filter((lease) => lease.id !== id);
  return recordActivity({ ...state, leases }, now, thresholdMs);
}

/** When the workspace stops if nothing else happens: a live lease holds it past the deadline until the lease expires. */
export function effectiveDeadline(state: ActivityState, now: number): number | undefined {
  if (state.deadline === undefined) return undefined;
  return Math.max(state.deadline, ...liveLeases(state, now).map((lease) => lease.expiresAt));
}

/**
 * What the backend must do now. Warnings are sent once per deadline, and
 * after a sleep only the nearest of several due warnings goes out (the
 * others would say more time is left than is). None while a lease is held:
 * the stop is not scheduled then. Past the deadline only 'stop' is returned.
 */
export function due(state: ActivityState, now: number, warnBeforeMs: number[]): { state: ActivityState; effects: ClockEffect[] } {
  const live = liveLeases(state, now);
  const pruned = live.length === state.leases.length ? state : { ...state, leases: live };
  const { deadline } = state;
  if (deadline === undefined || live.length > 0) return { state: pruned, effects: [] };
  if (now >= deadline) {
    // An expired lease held it until its expiry: that is when it became due.
    const dueSince = Math.max(deadline, ...state.leases.map((lease) => lease.expiresAt));
    return { state: pruned, effects: [{ kind: 'stop', deadline: dueSince, overdueMs: now - dueSince }] };
  }
  const dueNow = pendingWarnings(state, warnBeforeMs).filter((offset) => deadline - offset <= now);
  if (dueNow.length === 0) return { state: pruned, effects: [] };
  const nearest = Math.min(...dueNow);
  return { state: { ...pruned, warned: [...state.warned, ...dueNow] }, effects: [{ kind: 'warn', offsetMs: nearest, deadline }] };
}

/** The next instant due() has something to do, so the backend sets one timer instead of polling; undefined: nothing until the state changes. */
export function nextWakeUp(state: ActivityState, now: number, warnBeforeMs: number[]): number | undefined {
  const { deadline } = state;
  if (deadline === undefined) return undefined;
  const live = liveLeases(state, now);
  // While busy nothing happens before the first lease expires (renewals reset the timer).
  if (live.length > 0) return Math.min(...live.map((lease) => lease.expiresAt));
  const times = [deadline, ...pendingWarnings(state, warnBeforeMs).map((offset) => deadline - offset)];
  return Math.max(now, Math.min(...times));
}

/** A timer that fired much later than asked means the host slept (or the wall clock jumped); much earlier, the clock went back. */
export function detectClockJump(expectedNow: number, actualNow: number, toleranceMs = 5000): 'none' | 'forward' | 'backward' {
  if (actualNow - expectedNow > toleranceMs) return 'forward';
  if (expectedNow - actualNow > toleranceMs) return 'backward';
  return 'none';
}

function liveLeases(state: ActivityState, now: number): Lease[] {
  return state.leases.filter((lease) => lease.expiresAt > now);
}

/**
 * Offsets not yet sent for this deadline. An offset whose time fell before the
 * last activity is skipped: with a threshold shorter than the warning it would
 * fire at every heartbeat.
 */
function pendingWarnings(state: ActivityState, warnBeforeMs: number[]): number[] {
  const { deadline } = state;
  if (deadline === undefined) return [];
  return warnBeforeMs.filter((offset) => offset > 0 && !state.warned.includes(offset) && deadline - offset > state.lastActivityAt);
}

/** A new deadline starts its warnings afresh; the same one keeps what was sent. */
function withDeadline(state: ActivityState, deadline: number | undefined): ActivityState {
  return deadline === state.deadline ? state : { ...state, deadline, warned: [] };
}
