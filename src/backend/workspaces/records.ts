import { z } from 'zod';
import type { SpecInput } from '../../core/spec';
import { STORED_STATES } from '../../core/state';

/**
 * What the state file keeps per workspace. The types are derived from the
 * schema that checks the file on load, so the two cannot drift apart. The
 * spec is kept as given and validated again (with the engine's limits) when used.
 */

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Older files kept `cpus` as the CLI typed it ("2"); it is a number now. */
const storedSpec = z.preprocess(
  (value) => {
    if (!isObject(value)) return value;
    const spec = value as Record<string, unknown>;
    return typeof spec.cpus === 'string' && spec.cpus.trim() !== '' && Number.isFinite(Number(spec.cpus)) ? { ...spec, cpus: Number(spec.cpus) } : spec;
  },
  z.custom<SpecInput>(isObject, { error: 'must be an object of workspace fields' }),
);

export const buildSummarySchema = z.object({
  buildId: z.string(),
  status: z.enum(['building', 'running', 'failed', 'interrupted']),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  message: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});

const recordSchema = z.object({
  name: z.string(),
  spec: storedSpec,
  state: z.enum(STORED_STATES),
  createdAt: z.string(),
  lastBuild: buildSummarySchema.optional(),
  builtAt: z.string().optional(),
  containerId: z.string().optional(),
  /** Something the user should know about the workspace's state, such as a stop made outside Drydock. */
  notice: z.string().optional(),
  /** The user's auto-off setting: 'inherit', 'off' or a duration such as '90m'. */
  autoOff: z.string().optional(),
  /** The activity clock, kept so a backend restart does not forget a deadline. */
  activity: z.object({ lastActivityAt: z.number(), deadline: z.number().optional(), extendedUntil: z.number().optional() }).optional(),
  schedule: z.object({ expression: z.string(), timeZone: z.string() }).optional(),
  /** The last scheduled start handled (ran, or failed after its retries). */
  lastAutoStart: z
    .object({ scheduledFor: z.string(), at: z.string(), status: z.enum(['started', 'already-running', 'failed']), message: z.string().optional() })
    .optional(),
});

const stateSchema = z.object({ workspaces: z.record(z.string(), recordSchema) });

export type BuildSummary = z.infer<typeof buildSummarySchema>;
export type WorkspaceRecord = z.infer<typeof recordSchema>;
export type DaemonState = z.infer<typeof stateSchema>;

export const STATE_SCHEMA_VERSION = 1;

export function validateDaemonState(data: unknown): DaemonState {
  return stateSchema.parse(data);
}
