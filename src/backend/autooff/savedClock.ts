import { startClock, type ActivityState } from '../../core/autoOff';
import type { WorkspaceRecord } from '../workspaces/records';

type SavedClock = NonNullable<WorkspaceRecord['activity']>;

/**
 * A lease held from inside the workspace outlives a backend restart (its
 * holder still runs in the container). Restored, it lasts at least this long,
 * for Drydock inside to find its holder's pipe and keep or release it.
 */
const RESTORED_LEASE_GRACE_MS = 10_000;

/**
 * The clock of a workspace the backend (re)starts following: the saved one
 * after a backend restart (an overdue deadline means stop now), a fresh one
 * after a build (a clock saved before the build is the old container's).
 */
export function restoredClock(record: Readonly<WorkspaceRecord>, now: number, thresholdMs: number | 'off'): ActivityState {
  const saved = record.activity;
  if (!saved || !record.builtAt || saved.lastActivityAt < Date.parse(record.builtAt)) return startClock(now, thresholdMs);
  return {
    lastActivityAt: saved.lastActivityAt,
    deadline: saved.deadline,
    // Only leases held from inside are kept: their holders outlive us; a client's lease is renewed by its client or ends.
    leases: (saved.leases ?? []).map((lease) => ({ ...lease, expiresAt: Math.max(lease.expiresAt, now + RESTORED_LEASE_GRACE_MS) })),
    warned: [],
    ...(saved.extendedUntil ? { extendedUntil: saved.extendedUntil } : {}),
  };
}

/** What the state file keeps of a clock: its activity, deadline, extension and the live leases held from inside. */
export function savedClock({ lastActivityAt, deadline, extendedUntil, leases }: ActivityState, now: number): SavedClock {
  const inside = leases.filter((lease) => lease.pipe !== undefined && lease.expiresAt > now);
  return {
    lastActivityAt,
    ...(deadline !== undefined ? { deadline } : {}),
    ...(extendedUntil !== undefined ? { extendedUntil } : {}),
    ...(inside.length > 0 ? { leases: inside } : {}),
  };
}
