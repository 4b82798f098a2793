import { z } from 'zod';
import type { ErrorCode } from '../../core/errors';
import type { WorkspaceState } from '../../core/state';

/**
 * The one protocol between the backend and its clients (CLI, extension):
 * paths, request bodies (validated on the server with these schemas), and
 * response and event types. HTTP/JSON over a Unix socket, versioned paths.
 */
export const API_PREFIX = '/v1';
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
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

export const autoOffRequestSchema = z.object({ setting: z.string({ error: 'give "inherit", "off" or a duration such as 90m.' }) }).strict();
export const extendRequestSchema = z
  .object({ duration: z.string().optional(), until: z.string().optional() })
  .strict()
  .refine((body) => (body.duration === undefined) !== (body.until === undefined), { error: 'give either duration (e.g. "1h") or until (an ISO time), not both.' });
export const scheduleRequestSchema = z
  .object({ cron: z.string().optional(), weekdays: z.string().optional(), timeZone: z.string().optional(), off: z.boolean().optional() })
  .strict();
export const activityRequestSchema = z.object({ source: z.enum(['editor', 'terminal', 'cli', 'api']).default('api') }).strict();
export const leaseRequestSchema = z.object({ holder: z.string().min(1).max(200), ttl: z.string().default('2m') }).strict();

/** The spec as a client sends it: the fields of core/spec's parseWorkspaceSpec input. */
export const specInputSchema = z.record(z.string(), z.unknown());
export type SpecInput = Record<string, unknown>;

export const createRequestSchema = z
  .object({
    spec: specInputSchema,
    build: z.boolean().default(true),
  })
  .strict();
export type CreateRequest = z.input<typeof createRequestSchema>;

/** Changes applied to the stored spec before the rebuild (image, cpus, memory...). */
export const rebuildRequestSchema = z.object({ changes: specInputSchema.default({}) }).strict();
export type RebuildRequest = z.input<typeof rebuildRequestSchema>;

export const updateRequestSchema = z.object({ changes: specInputSchema }).strict();
export type UpdateRequest = z.input<typeof updateRequestSchema>;

export const execRequestSchema = z
  .object({
    command: z.array(z.string()).min(1, { error: 'give the command to run, e.g. ["bash", "-l"].' }),
    tty: z.boolean().default(false),
    stdin: z.boolean().default(true),
    columns: z.number().int().positive().optional(),
    rows: z.number().int().positive().optional(),
    env: z.record(z.string(), z.string()).default({}),
    workingDir: z.string().optional(),
  })
  .strict();
export type ExecRequest = z.input<typeof execRequestSchema>;

export const resizeRequestSchema = z.object({ columns: z.number().int().positive(), rows: z.number().int().positive() }).strict();

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
