import * as v from 'valibot';
import type { SpecInput } from '../../core/spec';
import { STORED_STATES } from '../../core/state';
import { LOCAL_ENGINE } from '../../core/names';
import { validate } from '../../core/validation';

/**
 * What the state file keeps per workspace. The types are derived from the
 * schema that checks the file on load, so the two cannot drift apart. The
 * spec is kept as given and validated again (with the engine's limits) when used.
 */

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Older files kept `cpus` as the CLI typed it ("2"); it is a number now. */
const storedSpec = v.pipe(
  v.unknown(),
  v.transform((value) => {
    if (!isObject(value)) return value;
    const spec = value as Record<string, unknown>;
    return typeof spec.cpus === 'string' && spec.cpus.trim() !== '' && Number.isFinite(Number(spec.cpus)) ? { ...spec, cpus: Number(spec.cpus) } : spec;
  }),
  v.custom<SpecInput>(isObject, 'must be an object of workspace fields'),
);

export const buildSummarySchema = v.object({
  buildId: v.string(),
  status: v.picklist(['building', 'running', 'failed', 'interrupted']),
  startedAt: v.string(),
  finishedAt: v.optional(v.string()),
  message: v.optional(v.string()),
  warnings: v.optional(v.array(v.string())),
  /** The registry digest of the image this build ran (absent: a local image, or refused before resolving). */
  imageDigest: v.optional(v.string()),
});

const recordSchema = v.object({
  name: v.string(),
  /** The engine its home lives on (absent: the local engine, as before engines had names). */
  engine: v.optional(v.string()),
  spec: storedSpec,
  state: v.picklist(STORED_STATES),
  createdAt: v.string(),
  lastBuild: v.optional(buildSummarySchema),
  builtAt: v.optional(v.string()),
  containerId: v.optional(v.string()),
  /** The image of the last build that got under way: its id, and its registry digest when it came from one. */
  image: v.optional(v.object({ id: v.string(), digest: v.optional(v.string()) })),
  /** The last check of the registry for the workspace's tag (HEAD of its manifest): what the tag's digest was then, or why it could not be read. */
  updateCheck: v.optional(v.object({ reference: v.string(), checkedAt: v.string(), latestDigest: v.optional(v.string()), error: v.optional(v.string()) })),
  /**
   * The update pulled ahead in the background for the tag's newer digest
   * (`digest`: what the check saw; once ready, what the engine's tag is). At
   * most one pull per digest: a later check of the same digest does not pull again.
   */
  pullAhead: v.optional(
    v.object({
      reference: v.string(),
      digest: v.string(),
      status: v.picklist(['pulling', 'ready', 'skipped', 'failed']),
      at: v.string(),
      message: v.optional(v.string()),
    }),
  ),
  /** Something the user should know about the workspace's state, such as a stop made outside Drydock. */
  notice: v.optional(v.string()),
  /** The user's auto-off setting: 'inherit', 'off' or a duration such as '90m'. */
  autoOff: v.optional(v.string()),
  /** The activity clock, kept so a backend restart does not forget a deadline. */
  activity: v.optional(
    v.object({
      lastActivityAt: v.number(),
      deadline: v.optional(v.number()),
      extendedUntil: v.optional(v.number()),
      /** Leases held from inside the workspace: their holders outlive a backend restart. */
      leases: v.optional(v.array(v.object({ id: v.string(), holder: v.string(), expiresAt: v.number(), since: v.number(), pipe: v.optional(v.string()) }))),
    }),
  ),
  /** SHA-256 (hex) of the current build's Drydock-inside token; the token itself is never stored. */
  insideTokenHash: v.optional(v.string()),
  schedule: v.optional(v.object({ expression: v.string(), timeZone: v.string() })),
  /** The last scheduled start handled (ran, or failed after its retries). */
  lastAutoStart: v.optional(
    v.object({ scheduledFor: v.string(), at: v.string(), status: v.picklist(['started', 'already-running', 'failed']), message: v.optional(v.string()) }),
  ),
});

/** An engine added with `drydock engine add`: by address or by Docker context, never both. */
const engineSchema = v.union([v.object({ host: v.string(), addedAt: v.string() }), v.object({ context: v.string(), addedAt: v.string() })]);

/**
 * An image a Drydock pull brought onto an engine: removed once nothing on
 * that engine uses it (see PulledImages). Entries from before engines had
 * names were pulled on the local engine.
 */
const pulledImageSchema = v.object({ id: v.string(), reference: v.string(), engine: v.optional(v.string(), LOCAL_ENGINE), at: v.string() });

const stateSchema = v.object({
  workspaces: v.record(v.string(), recordSchema),
  pulledImages: v.optional(v.array(pulledImageSchema), []),
  engines: v.optional(v.record(v.string(), engineSchema)),
  /** Where `create` puts a workspace without --engine (absent: the local engine). */
  defaultEngine: v.optional(v.string()),
});

export type BuildSummary = v.InferOutput<typeof buildSummarySchema>;
export type WorkspaceRecord = v.InferOutput<typeof recordSchema>;
export type DaemonState = v.InferOutput<typeof stateSchema>;
export type EngineDefinition = v.InferOutput<typeof engineSchema>;
export type PulledImageRecord = v.InferOutput<typeof pulledImageSchema>;

export const STATE_SCHEMA_VERSION = 1;

/** The state as loaded, or an error naming the first bad entry (the file is then moved aside, not half-loaded). */
export function validateDaemonState(data: unknown): DaemonState {
  const result = validate(stateSchema, data);
  if (result.ok) return result.value;
  throw new Error(result.problems.map(({ path, message }) => `${path.map(String).join('.') || 'state'}: ${message}`).join('; '));
}
