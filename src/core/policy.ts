import { z } from 'zod';
import { parsedBy } from './zodParsers';
import { formatDuration, parseDuration } from './duration';
import { DrydockError, errorMessage } from './errors';

/**
 * The organization policy (auto-off and forced rebuilds in docs/behaviour.md): a JSON
 * file users cannot write. The backend reads it; here it is validated as a
 * whole (an invalid file is reported, never half-applied) and resolved
 * against a workspace's own setting.
 */
export interface Policy {
  autoOff: {
    defaultMs: number | 'off';
    userMayChange: boolean;
    userMayDisable: boolean;
    minMs?: number;
    maxMs?: number;
    maxExtensionMs?: number; // longest single extend
    maxLeaseMs?: number; // longest a busy lease may be held without renewal
    warnBeforeMs: number[]; // sorted descending, without duplicates
  };
  /** Workspaces built before `notBefore` (ISO instant) must be rebuilt. */
  forcedRebuild?: { notBefore: string; reason: string };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const BUILT_IN_POLICY: Policy = {
  autoOff: { defaultMs: 2 * HOUR, userMayChange: true, userMayDisable: true, maxLeaseMs: 15 * MINUTE, warnBeforeMs: [5 * MINUTE, MINUTE] },
};

const FIELDS = 'autoOff, forcedRebuild';
const AUTO_OFF_FIELDS = 'default, allowUserChange, allowDisable, min, max, maxExtension, maxLease, warnBefore';
const FORCED_REBUILD_FIELDS = 'builtAfter, reason';

const duration = (example: string) => z.string({ error: `must be a duration string such as "${example}".` }).transform(parsedBy((text) => parseDuration(text)));
const flag = (meaning: string) => z.boolean({ error: `must be true or false (${meaning}).` });

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** An ISO 8601 instant with a zone, normalized to UTC; a date without a zone would mean different instants on different hosts. */
function parseInstant(text: string): string {
  const match = ISO_INSTANT.exec(text.trim());
  const ms = Date.parse(text);
  // Date.parse rolls "02-30" over to March; refuse days the month does not have.
  const [, year, month, day] = (match ?? []).map(Number);
  const real = match && new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 0)).getUTCDate() === day;
  if (!match || !real || !Number.isFinite(ms)) throw new Error(`"${text}" is not an ISO instant; write it with a zone, like "2026-12-01T00:00:00Z".`);
  return new Date(ms).toISOString();
}

function parseDefault(text: string): number | 'off' {
  if (text.trim().toLowerCase() === 'off') return 'off';
  try {
    return parseDuration(text);
  } catch (error) {
    throw new Error(errorMessage(error).replace(/\.$/, ', or "off".'));
  }
}

const autoOffSchema = z
  .object(
    {
      default: z
        .string({ error: 'must be a duration string such as "2h", or "off".' })
        .transform(parsedBy(parseDefault))
        .default(BUILT_IN_POLICY.autoOff.defaultMs),
      allowUserChange: flag("whether users may change a workspace's auto-off").default(true),
      allowDisable: flag('whether users may turn auto-off off').default(true),
      min: duration('30m').optional(),
      max: duration('8h').optional(),
      maxExtension: duration('4h').optional(),
      maxLease: duration('15m').default(15 * MINUTE),
      warnBefore: z
        .array(duration('5m'), { error: 'must be a list of durations such as ["5m", "1m"], or [] for no warnings.' })
        .transform((offsets) => [...new Set(offsets)].sort((a, b) => b - a))
        .default([5 * MINUTE, MINUTE]),
    },
    { error: 'must be an object such as {"default": "2h", "allowDisable": false}.' },
  )
  .strict()
  // Runs only once every field is valid (zod skips refinements after field issues).
  .superRefine((autoOff, context) => {
    const { min, max } = autoOff;
    const problem = (field: string, message: string) => context.addIssue({ code: 'custom', path: [field], message });
    if (min !== undefined && max !== undefined && min > max)
      problem('min', `(${formatDuration(min)}) is more than max (${formatDuration(max)}); make min at most max.`);
    if (autoOff.default === 'off') {
      if (!autoOff.allowDisable)
        problem(
          'allowDisable',
          'is false but default is "off", which turns auto-off off for everyone; give default a duration such as "2h", or set allowDisable to true.',
        );
    } else if (min !== undefined && autoOff.default < min) {
      problem('default', `(${formatDuration(autoOff.default)}) is below min (${formatDuration(min)}); raise default or lower min.`);
    } else if (max !== undefined && autoOff.default > max) {
      problem('default', `(${formatDuration(autoOff.default)}) is above max (${formatDuration(max)}); lower default or raise max.`);
    }
  });

const policySchema = z
  .object(
    {
      autoOff: autoOffSchema.prefault({}), // an absent section is parsed as {} so its defaults apply
      forcedRebuild: z
        .object(
          {
            builtAfter: z.string({ error: 'is required: an ISO instant such as "2026-12-01T00:00:00Z".' }).transform(parsedBy(parseInstant)),
            reason: z
              .string({ error: 'is required: why the rebuild is needed, shown to users (e.g. "openssl fix").' })
              .trim()
              .min(1, { error: 'is empty; say why the rebuild is needed, e.g. "openssl fix".' }),
          },
          { error: 'must be an object such as {"builtAfter": "2026-12-01T00:00:00Z", "reason": "openssl fix"}.' },
        )
        .strict()
        .optional(),
    },
    { error: 'must be a JSON object such as {"autoOff": {"default": "2h"}}.' },
  )
  .strict();

/** Validates a whole policy document or throws one invalid_input error listing every problem, one `<source>: <field>: <fix>` per line. */
export function parsePolicy(json: unknown, source = 'policy'): Policy {
  const result = policySchema.safeParse(json);
  if (!result.success) {
    const problems: { field: string; message: string }[] = [];
    for (const issue of result.error.issues) {
      const at = issue.path.map(String);
      if (issue.code === 'unrecognized_keys') {
        const known = at.length === 0 ? FIELDS : at[0] === 'autoOff' ? AUTO_OFF_FIELDS : FORCED_REBUILD_FIELDS;
        for (const key of issue.keys) problems.push({ field: [...at, key].join('.'), message: `is not a policy field; remove it (fields here: ${known}).` });
      } else {
        problems.push({ field: at.join('.'), message: issue.message });
      }
    }
    const lines = problems.map(({ field, message }) => (field ? `${source}: ${field}: ${message}` : `${source}: ${message}`));
    throw new DrydockError('invalid_input', lines.join('\n'), problems[0]?.field || 'policy');
  }
  const { autoOff, forcedRebuild } = result.data;
  const policy: Policy = {
    autoOff: {
      defaultMs: autoOff.default,
      userMayChange: autoOff.allowUserChange,
      userMayDisable: autoOff.allowDisable,
      maxLeaseMs: autoOff.maxLease,
      warnBeforeMs: autoOff.warnBefore,
    },
  };
  if (autoOff.min !== undefined) policy.autoOff.minMs = autoOff.min;
  if (autoOff.max !== undefined) policy.autoOff.maxMs = autoOff.max;
  if (autoOff.maxExtension !== undefined) policy.autoOff.maxExtensionMs = autoOff.maxExtension;
  if (forcedRebuild) policy.forcedRebuild = { notBefore: forcedRebuild.builtAfter, reason: forcedRebuild.reason };
  return policy;
}

/** A workspace's own auto-off setting, as stored. */
export type AutoOffSetting = 'inherit' | 'off' | number;

export interface EffectiveAutoOff {
  thresholdMs: number | 'off';
  source: 'policy default' | 'workspace' | 'policy minimum' | 'policy maximum';
  /** The user cannot get their setting: the UI shows why. */
  locked: boolean;
  lockedReason?: string;
}

const NO_CHANGE = 'the organization policy does not let users change auto-off (allowUserChange: false)';
const NO_DISABLE = 'the organization policy does not let users turn auto-off off (allowDisable: false)';

/**
 * The threshold in force. Never throws: a stored setting that a newer policy
 * forbids still resolves, clamped, and `source` says which rule won.
 */
export function resolveAutoOff(policy: Policy, setting: AutoOffSetting): EffectiveAutoOff {
  const { defaultMs, userMayChange, userMayDisable, minMs, maxMs } = policy.autoOff;
  if (!userMayChange) return { thresholdMs: defaultMs, source: 'policy default', locked: true, lockedReason: NO_CHANGE };
  if (setting === 'inherit') return { thresholdMs: defaultMs, source: 'policy default', locked: false };
  if (setting === 'off') {
    if (userMayDisable) return { thresholdMs: 'off', source: 'workspace', locked: false };
    return { thresholdMs: defaultMs, source: 'policy default', locked: true, lockedReason: NO_DISABLE };
  }
  if (minMs !== undefined && setting < minMs) return { thresholdMs: minMs, source: 'policy minimum', locked: false };
  if (maxMs !== undefined && setting > maxMs) return { thresholdMs: maxMs, source: 'policy maximum', locked: false };
  return { thresholdMs: setting, source: 'workspace', locked: false };
}

/** Refuses a new setting the policy forbids, naming the rule; 'inherit' is always allowed (it only returns to the default). */
export function checkAutoOffChange(policy: Policy, setting: AutoOffSetting): void {
  const { userMayChange, userMayDisable, minMs, maxMs } = policy.autoOff;
  const refuse = (message: string) => new DrydockError('policy_refused', `autoOff: ${message}`, 'autoOff');
  if (setting === 'inherit') return;
  if (!userMayChange) throw refuse(`${NO_CHANGE}; ask your administrator to change the policy.`);
  if (setting === 'off') {
    if (!userMayDisable) throw refuse(`${NO_DISABLE}; set a duration instead, or "inherit".`);
    return;
  }
  if (minMs !== undefined && setting < minMs)
    throw refuse(`the organization policy asks for at least ${formatDuration(minMs)} (min); choose ${formatDuration(minMs)} or more.`);
  if (maxMs !== undefined && setting > maxMs)
    throw refuse(`the organization policy allows at most ${formatDuration(maxMs)} (max); choose ${formatDuration(maxMs)} or less.`);
}

/** Reads a user's setting: "inherit", "off" or a duration such as 90m. */
export function parseAutoOffSetting(text: string, field = 'autoOff'): AutoOffSetting {
  const word = text.trim().toLowerCase();
  if (word === 'inherit' || word === 'off') return word;
  if (!word) throw new DrydockError('invalid_input', `${field}: is empty; give "inherit", "off" or a duration such as 90m.`, field);
  try {
    return parseDuration(text, field);
  } catch {
    throw new DrydockError('invalid_input', `${field}: "${text}" is not a setting; give "inherit", "off" or a duration such as 90m.`, field);
  }
}

/** Refuses a single extension longer than the policy's maxExtension. */
export function checkExtension(policy: Policy, ms: number): void {
  const max = policy.autoOff.maxExtensionMs;
  if (max === undefined || ms <= max) return;
  const message = `autoOff: the organization policy allows extending by at most ${formatDuration(max)} at a time (maxExtension); ask for ${formatDuration(max)} or less.`;
  throw new DrydockError('policy_refused', message, 'autoOff');
}
