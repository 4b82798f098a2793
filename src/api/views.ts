import type { ErrorCode } from '../core/errors';
import type { WorkspaceState } from '../core/state';

/**
 * The wire views: what the backend sends its clients, as JSON. The backend's
 * domain has its own types; its API layer maps them to these at the edge
 * (src/backend/api/wireViews.ts), so the two can evolve apart.
 */

export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

export interface Health {
  status: 'ok';
  version: string;
  pid: number;
  startedAt: string;
  /**
   * The default engine's (where `create` goes); every engine's is in GET /v1/engines. `hostKey`: the engine is
   * refused for its SSH host key (unknown: the user may trust it; changed: must not simply).
   */
  docker: { engine: string; reachable: boolean; endpoint?: string; error?: string; hostKey?: HostKeyView };
}

/** An SSH engine's host key as presented now, and how the backend user's known_hosts stands on it. */
export interface HostKeyView {
  /** `ssh://user@host:port`: the address to trust it by. */
  url: string;
  host: string;
  port: number;
  keyType: string;
  /** `SHA256:...`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  status: 'known' | 'unknown' | 'changed' | 'revoked';
  knownHostsFile: string;
}

export type BuildStatus = 'building' | 'running' | 'failed' | 'interrupted';

export interface BuildSummaryView {
  buildId: string;
  status: BuildStatus;
  startedAt: string;
  finishedAt?: string;
  message?: string;
  warnings?: string[];
  /** The registry digest of the image the build ran (absent for an image built or loaded on the engine). */
  imageDigest?: string;
}

/** What the registry last said about the workspace's tag. */
export interface UpdateView {
  /** The tag now points at another image than the one the workspace was built from: a rebuild takes it. */
  available: boolean;
  checkedAt: string;
  /** The tag's digest at that check. */
  latestDigest?: string;
  /** Why the check could not be made (registry down, credentials refused). */
  error?: string;
  /** The update is on the engine already (pulled ahead): a rebuild takes it without asking the registry. */
  ready?: boolean;
  /** The background pull of the update, while `available`: under way (with progress), ready, skipped or failed (with why). */
  pullAhead?: { status: PullAheadStatus; message?: string };
}

export type PullAheadStatus = 'pulling' | 'ready' | 'skipped' | 'failed';

/** An image tag on the engine, for choosing one at create. */
export interface LocalImageView {
  reference: string;
  id: string;
  createdAt: string;
  sizeBytes: number;
  /** Whether it came from a registry (so a rebuild pulls it); false for one built or loaded here. */
  fromRegistry: boolean;
}

export interface AutoOffView {
  /** The workspace's own setting: "inherit", "off" or a duration such as "90m". */
  setting: string;
  /** What is in force: "off" or a duration. */
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

export interface WorkspaceView {
  name: string;
  state: WorkspaceState;
  /** The engine its home lives on (`local`: the one found by DOCKER_HOST, the context or the socket). */
  engine: string;
  /** Why its engine cannot be reached now; the state is then `unknown`. */
  engineError?: string;
  image: string;
  user?: string;
  cpus?: number;
  memory?: string;
  /** The names of the variables set (never their values). */
  env: string[];
  homeVolume: string;
  containerId?: string;
  /** The image of the last build that got under way, and its registry digest when it came from one. */
  imageId?: string;
  imageDigest?: string;
  /** Present once the registry was asked about the workspace's tag (a pull, an update check). */
  update?: UpdateView;
  /** Something to know about the state, such as "stopped outside Drydock (exit code 137)...". */
  notice?: string;
  dotfiles?: { url: string; branch?: string };
  lastBuild?: BuildSummaryView;
  /** When the running container was built (ISO). */
  builtAt?: string;
  createdAt: string;
  autoOff?: AutoOffView;
  /** When auto-off stops it (ISO), while running with auto-off on. */
  deadline?: string;
  leases?: number;
  /** Who holds it busy (the live leases), longest-held first: "make test" since 12 min, from inside the workspace or not. */
  busy?: BusyView[];
  schedule?: ScheduleView;
  /** A rebuild the organization policy requires, when this workspace was built before its time. */
  forcedRebuild?: { at: string; reason: string };
}

export interface BusyView {
  /** What holds it: the command of `drydock keepalive`, "exec session", a VS Code task... */
  holder: string;
  /** When the lease was first taken (ISO). */
  since: string;
  /** Taken by the drydock command inside the workspace. */
  inside: boolean;
}

/** The organization policy in the policy file's own words (durations as text). */
export interface PolicyDocument {
  autoOff: {
    default: string;
    allowUserChange: boolean;
    allowDisable: boolean;
    min?: string;
    max?: string;
    maxExtension?: string;
    maxLease?: string;
    warnBefore: string[];
  };
  forcedRebuild?: { builtAfter: string; reason: string };
  pullAhead: { enabled: boolean; minFreeDisk: string };
}

export interface PolicyView {
  path: string;
  /** Where the policy in force came from: the file, or built-in defaults. */
  source: 'file' | 'built-in';
  policy: PolicyDocument;
  /** The current file's problem when it is invalid (the last valid policy stays in force). */
  error?: string;
}

export interface BuildStartedView {
  buildId: string;
  workspace: WorkspaceView;
}

export interface CreatedView {
  workspace: WorkspaceView;
  /** Present when the build was started too. */
  buildId?: string;
}

export interface ExecStartedView {
  execId: string;
}

export interface ExecStatusView {
  running: boolean;
  exitCode?: number;
}

export interface FileChangeView {
  path: string;
  kind: 'changed' | 'added' | 'deleted';
  /** The file's size now (for `deleted`: when the build left it); absent for folders and what could not be stat'ed. */
  sizeBytes?: number;
}

/** What a rebuild would discard: changes outside home since the end of the last build, largest first. */
export interface RebuildSafetyView {
  changes: FileChangeView[];
  /** How many more changes there are beyond `changes`. */
  more: number;
}

export interface BuildInfoView {
  buildId: string;
  modifiedAt: string;
  sizeBytes: number;
}

export interface LeaseView {
  leaseId: string;
  expiresAt: string;
}

export type BuildLogEntryKind = 'step-start' | 'output' | 'info' | 'warn' | 'progress' | 'step-end' | 'result' | 'truncated';

export interface BuildLogEntryView {
  seq: number;
  time: string;
  kind: BuildLogEntryKind;
  stream?: 'stdout' | 'stderr';
  step?: string;
  text: string;
  exitCode?: number;
  durationMs?: number;
  status?: string;
  note?: string;
}

/** A Docker engine the backend speaks to (GET /v1/engines). */
export interface EngineView {
  name: string;
  /** `discovery`: the local engine, found as the docker CLI finds it; `host` or `context`: added with `drydock engine add`. */
  source: 'discovery' | 'host' | 'context';
  /** The address or context it was added with. */
  address?: string;
  /** Where `create` puts a workspace without --engine. */
  default: boolean;
  reachable: boolean;
  /** Why it is not reachable. */
  error?: string;
  /** Where it answered. */
  endpoint?: string;
  /** From the engine, once it has answered. */
  version?: string;
  os?: string;
  operatingSystem?: string;
  arch?: string;
  cpus?: number;
  /** Total memory in bytes. */
  memoryBytes?: number;
  /** This backend's workspaces there. */
  workspaces: string[];
  /** The memory limits of those of them that are not off, in bytes: what `--engine auto` counts as taken. */
  memoryCommittedBytes: number;
  /** The SSH host key it is refused for, while it is (`drydock engine trust` or the API's trustSshHostKey accepts an unknown one). */
  hostKey?: HostKeyView;
}

/** What GET /v1/events sends, one JSON object per server-sent event. */
export type DaemonEvent =
  | { type: 'workspace'; workspace: WorkspaceView }
  | { type: 'workspace-removed'; name: string }
  | { type: 'build-log'; workspace: string; buildId: string; entry: BuildLogEntryView }
  /** An engine answers again or went away; only its own workspaces change. */
  | { type: 'docker'; engine: string; reachable: boolean; error?: string }
  /** An engine was added or removed, or another became the default: read GET /v1/engines again. */
  | { type: 'engines-changed' }
  | { type: 'warning'; workspace?: string; message: string }
  | { type: 'deadline-warning'; workspace: string; deadline: string; inMs: number; reason: 'auto-off' | 'forced-rebuild'; message: string }
  | { type: 'auto-stopped'; workspace: string; message: string }
  | { type: 'auto-start'; workspace: string; status: 'started' | 'failed' | 'retrying'; message: string }
  | {
      type: 'pull-ahead';
      workspace: string;
      reference: string;
      /** The digest being pulled (once ready: the one on the engine). */
      digest: string;
      status: PullAheadStatus;
      /** "Pulling REF: 12.0 MB of 48.0 MB, 1 of 3 layers done", "ready", or why it was skipped or failed. */
      message: string;
    };

/** What GET .../builds/current/stream sends: first the build's id, then its log entries until the result. */
export type BuildStreamEvent = { event: 'build'; data: { buildId: string } } | { event: 'message'; data: BuildLogEntryView };
