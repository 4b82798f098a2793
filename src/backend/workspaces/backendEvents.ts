import type { BuildLogEntry } from '../builds/buildLog';

/**
 * What happens in the backend, in its own terms. The API layer turns these
 * into wire events (src/backend/api/eventFeed.ts); the backend's own parts
 * (auto-off, the scheduler) listen to them too.
 */
export type BackendEvent =
  /** A workspace's record or clock changed: one event per change. */
  | { type: 'workspace-changed'; name: string }
  | { type: 'workspace-removed'; name: string }
  | { type: 'build-log'; workspace: string; buildId: string; entry: BuildLogEntry }
  /** An engine answers again or went away (`engine`: its name). */
  | { type: 'docker'; engine: string; reachable: boolean; error?: string }
  /** An engine was added or removed, or another became the default. */
  | { type: 'engines-changed' }
  | { type: 'warning'; workspace?: string; message: string }
  | { type: 'deadline-warning'; workspace: string; deadline: number; inMs: number; reason: 'auto-off' | 'forced-rebuild'; message: string }
  | { type: 'auto-stopped'; workspace: string; message: string }
  | { type: 'auto-start'; workspace: string; status: 'started' | 'failed' | 'retrying'; message: string }
  | PullAheadEvent;

/** A background pull of a workspace's update: started, its progress (at most once a second), ready, skipped (and why) or failed. */
export interface PullAheadEvent {
  type: 'pull-ahead';
  workspace: string;
  reference: string;
  digest: string;
  status: 'pulling' | 'ready' | 'skipped' | 'failed';
  message: string;
}
