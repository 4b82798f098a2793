import { z } from 'zod';
import { formatMemory } from '../../core/memory';
import { homeVolumeName } from '../../core/names';
import type { WorkspaceSpec } from '../../core/spec';
import { WORKSPACE_STATES, type WorkspaceState } from '../../core/state';
import type { BuildSummary, SpecInput, WorkspaceView } from '../api/protocol';

/** What the state file keeps per workspace. The spec is kept as given and validated again on load. */
export interface WorkspaceRecord {
  name: string;
  spec: SpecInput;
  state: Exclude<WorkspaceState, 'unknown'>;
  createdAt: string;
  lastBuild?: BuildSummary;
  builtAt?: string;
  containerId?: string;
  /** The user's auto-off setting: 'inherit', 'off' or a duration such as '90m'. */
  autoOff?: string;
  /** The activity clock, kept so a backend restart does not forget a deadline. */
  activity?: { lastActivityAt: number; deadline?: number; extendedUntil?: number };
  schedule?: { expression: string; timeZone: string };
  /** The last scheduled start handled (ran, or failed after its retries). */
  lastAutoStart?: { scheduledFor: string; at: string; status: 'started' | 'already-running' | 'failed'; message?: string };
}

export interface DaemonState {
  workspaces: Record<string, WorkspaceRecord>;
}

export const STATE_SCHEMA_VERSION = 1;

const buildSummarySchema = z.object({
  buildId: z.string(),
  status: z.enum(['building', 'running', 'failed', 'interrupted']),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  message: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});

const recordSchema = z.object({
  name: z.string(),
  spec: z.record(z.string(), z.unknown()),
  state: z.enum(WORKSPACE_STATES.filter((state) => state !== 'unknown') as ['off', 'building', 'running', 'failed', 'stopping']),
  createdAt: z.string(),
  lastBuild: buildSummarySchema.optional(),
  builtAt: z.string().optional(),
  containerId: z.string().optional(),
  autoOff: z.string().optional(),
  activity: z.object({ lastActivityAt: z.number(), deadline: z.number().optional(), extendedUntil: z.number().optional() }).optional(),
  schedule: z.object({ expression: z.string(), timeZone: z.string() }).optional(),
  lastAutoStart: z
    .object({ scheduledFor: z.string(), at: z.string(), status: z.enum(['started', 'already-running', 'failed']), message: z.string().optional() })
    .optional(),
});

const stateSchema = z.object({ workspaces: z.record(z.string(), recordSchema) });

export function validateDaemonState(data: unknown): DaemonState {
  return stateSchema.parse(data);
}

/** The API's view of a workspace; `unknown` whenever Docker cannot be reached. */
export function toView(record: WorkspaceRecord, spec: WorkspaceSpec | undefined, dockerReachable: boolean): WorkspaceView {
  const view: WorkspaceView = {
    name: record.name,
    state: dockerReachable ? record.state : 'unknown',
    image: spec?.image ?? (typeof record.spec.image === 'string' ? record.spec.image : ''),
    env: Object.keys(spec?.env ?? {}),
    homeVolume: homeVolumeName(record.name),
    createdAt: record.createdAt,
  };
  if (spec?.user) view.user = spec.user;
  if (spec?.cpus !== undefined) view.cpus = spec.cpus;
  if (spec?.memoryBytes !== undefined) view.memory = formatMemory(spec.memoryBytes);
  if (spec?.dotfiles) view.dotfiles = spec.dotfiles;
  if (record.lastBuild) view.lastBuild = record.lastBuild;
  if (record.builtAt) view.builtAt = record.builtAt;
  if (record.containerId) view.containerId = record.containerId;
  return view;
}
