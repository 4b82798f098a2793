import type { ErrorCode } from '../../core/errors';
import type { WorkspaceState } from '../../core/state';

/**
 * The one protocol between the backend and its clients (CLI, extension):
 * paths, request and response and event types. HTTP/JSON over a Unix socket,
 * versioned paths. The server validates bodies with requestSchemas.ts (kept
 * apart so that clients do not load zod).
 */
export const API_PREFIX = '/v1';
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

export interface CreateRequest {
  spec: SpecInput;
  build?: boolean;
}

export interface RebuildRequest {
  changes?: SpecInput;
}

export interface ExecRequest {
  command: string[];
  tty?: boolean;
  stdin?: boolean;
  columns?: number;
  rows?: number;
  env?: Record<string, string>;
  workingDir?: string;
}

export interface Health {
  status: 'ok';
  version: string;
  pid: number;
  startedAt: string;
  docker: { reachable: boolean; endpoint?: string; error?: string };
}

export type BuildStatus = 'building' | 'running' | 'failed' | 'interrupted';

export interface BuildSummary {
  buildId: string;
  status: BuildStatus;
  startedAt: string;
  finishedAt?: string;
  message?: string;
  warnings?: string[];
}

export interface WorkspaceView {
  name: string;
  state: WorkspaceState;
  image: string;
  user?: string;
  cpus?: number;
  memory?: string;
  env: string[];
  homeVolume: string;
  containerId?: string;
  dotfiles?: { url: string; branch?: string };
  lastBuild?: BuildSummary;
  /** When the running container was built (ISO). */
  builtAt?: string;
  createdAt: string;
  autoOff?: AutoOffView;
  /** When auto-off stops it (ISO), while running with auto-off on. */
  deadline?: string;
  leases?: number;
  schedule?: ScheduleView;
  /** A rebuild the organization policy requires, when this workspace was built before its time. */
  forcedRebuild?: { at: string; reason: string };
}

export interface AutoOffView {
  setting: string;
  threshold: string;
  source: string;
  locked: boolean;
  lockedReason?: string;
}

export interface ScheduleView {
  expression: string;
  timeZone: string;
  description: string;
  nextRun?: string;
  lastAutoStart?: { scheduledFor: string; at: string; status: string; message?: string };
}

export interface PolicyView {
  path: string;
  /** Where the policy in force came from: the file, or built-in defaults. */
  source: 'file' | 'built-in';
  policy: unknown;
  /** The current file's problem when it is invalid (the last valid policy stays in force). */
  error?: string;
}


/** The spec as a client sends it: the fields of core/spec's parseWorkspaceSpec input. */
export type SpecInput = Record<string, unknown>;


/** Changes applied to the stored spec before the rebuild (image, cpus, memory...). */




export interface BuildStarted {
  buildId: string;
  workspace: WorkspaceView;
}

export interface ExecStarted {
  execId: string;
}

export interface ExecStatus {
  running: boolean;
  exitCode?: number;
}

export interface FileChangeView {
  path: string;
  kind: 'changed' | 'added' | 'deleted';
}

export interface BuildLogEntryView {
  seq: number;
  time: string;
  kind: 'step-start' | 'output' | 'info' | 'warn' | 'step-end' | 'result' | 'truncated';
  stream?: 'stdout' | 'stderr';
  step?: string;
  text: string;
  exitCode?: number;
  durationMs?: number;
  status?: string;
  note?: string;
}

/** What GET /v1/events sends, one JSON object per server-sent event. */
export type DaemonEvent =
  | { type: 'workspace'; workspace: WorkspaceView }
  | { type: 'workspace-removed'; name: string }
  | { type: 'build-log'; workspace: string; buildId: string; entry: BuildLogEntryView }
  | { type: 'docker'; reachable: boolean; error?: string }
  | { type: 'warning'; workspace?: string; message: string }
  | { type: 'deadline-warning'; workspace: string; deadline: string; inMs: number; reason: 'auto-off' | 'forced-rebuild'; message: string }
  | { type: 'auto-stopped'; workspace: string; message: string }
  | { type: 'auto-start'; workspace: string; status: 'started' | 'failed' | 'retrying'; message: string };

export const paths = {
  health: `${API_PREFIX}/health`,
  version: `${API_PREFIX}/version`,
  shutdown: `${API_PREFIX}/shutdown`,
  events: `${API_PREFIX}/events`,
  workspaces: `${API_PREFIX}/workspaces`,
  workspace: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}`,
  rebuild: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/rebuild`,
  stop: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/stop`,
  rebuildSafety: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/rebuild-safety`,
  builds: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/builds`,
  buildLog: (name: string, buildId: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/builds/${encodeURIComponent(buildId)}/log`,
  followBuild: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/builds/current/stream`,
  exec: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/exec`,
  execAttach: (execId: string) => `${API_PREFIX}/exec/${encodeURIComponent(execId)}/attach`,
  execResize: (execId: string) => `${API_PREFIX}/exec/${encodeURIComponent(execId)}/resize`,
  execStatus: (execId: string) => `${API_PREFIX}/exec/${encodeURIComponent(execId)}`,
  activity: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/activity`,
  extend: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/extend`,
  autoOff: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/autooff`,
  schedule: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/schedule`,
  leases: (name: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/leases`,
  lease: (name: string, id: string) => `${API_PREFIX}/workspaces/${encodeURIComponent(name)}/leases/${encodeURIComponent(id)}`,
  policy: `${API_PREFIX}/policy`,
} as const;

/** HTTP status for each error code. */
export const STATUS_FOR: Record<ErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  busy: 409,
  conflict: 409,
  image_missing: 422,
  user_missing: 422,
  policy_refused: 403,
  docker_unreachable: 503,
  backend_down: 503,
  docker_error: 502,
  hook_failed: 500,
  interrupted: 500,
  internal: 500,
};
