import * as v from 'valibot';
import { formatDuration, parseDuration } from './duration';
import { DrydockError, errorMessage } from './errors';
import { parseSize } from './memory';
import { fields, parsedBy, validate, type Problem } from './validation';

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
  /** Updates the update check sees are pulled in the background while the engine has this much disk free. */
  pullAhead: { enabled: boolean; minFreeDiskBytes: number };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The disk a pull ahead leaves free on the engine by default: room for the builds the user starts. */
export const DEFAULT_MIN_FREE_DISK_BYTES = 5 * 1024 ** 3;

export const BUILT_IN_POLICY: Policy = {
  autoOff: { defaultMs: 2 * HOUR, userMayChange: true, userMayDisable: true, maxLeaseMs: 15 * MINUTE, warnBeforeMs: [5 * MINUTE, MINUTE] },
  pullAhead: { enabled: true, minFreeDiskBytes: DEFAULT_MIN_FREE_DISK_BYTES },
};

const FIELDS = 'autoOff, forcedRebuild, pullAhead';
const PULL_AHEAD_FIELDS = 'enabled, minFreeDisk';
const AUTO_OFF_FIELDS = 'default, allowUserChange, allowDisable, min, max, maxExtension, maxLease, warnBefore';
const FORCED_REBUILD_FIELDS = 'builtAfter, reason';

const duration = (example: string) =>
  v.pipe(
    v.string(`must be a duration string such as "${example}".`),
    parsedBy((text: string) => parseDuration(text)),
  );
const flag = (meaning: string) => v.boolean(`must be true or false (${meaning}).`);

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

// Defaults are given as a user would write them: valibot parses a default like any other value.
const autoOffSchema = fields(
  {
    default: v.optional(v.pipe(v.string('must be a duration string such as "2h", or "off".'), parsedBy(parseDefault)), '2h'),
    allowUserChange: v.optional(flag("whether users may change a workspace's auto-off"), true),
    allowDisable: v.optional(flag('whether users may turn auto-off off'), true),
    min: v.optional(duration('30m')),
    max: v.optional(duration('8h')),
    maxExtension: v.optional(duration('4h')),
    maxLease: v.optional(duration('15m'), '15m'),
    warnBefore: v.optional(
      v.pipe(
        v.array(duration('5m'), 'must be a list of durations such as ["5m", "1m"], or [] for no warnings.'),
        v.transform((offsets) => [...new Set(offsets)].sort((a, b) => b - a)),
      ),
      ['5m', '1m'],
    ),
  },
  'must be an object such as {"default": "2h", "allowDisable": false}.',
);

const policySchema = fields(
  {
    autoOff: v.optional(autoOffSchema, {}), // an absent section is parsed as {} so its defaults apply
    pullAhead: v.optional(
      fields(
        {
          enabled: v.optional(flag('whether updates the update check sees are pulled in the background'), true),
          minFreeDisk: v.optional(
            v.pipe(
              v.string('must be a size such as "5g": the disk the engine keeps free; below it nothing is pulled ahead.'),
              parsedBy((text: string) => parseSize(text, 'minFreeDisk')),
            ),
            '5g',
          ),
        },
        'must be an object such as {"enabled": true, "minFreeDisk": "5g"}.',
      ),
      {},
    ),
    forcedRebuild: v.optional(
      fields(
        {
          builtAfter: v.pipe(v.string('is required: an ISO instant such as "2026-12-01T00:00:00Z".'), parsedBy(parseInstant)),
          reason: v.pipe(
            v.string('is required: why the rebuild is needed, shown to users (e.g. "openssl fix").'),
            v.trim(),
            v.minLength(1, 'is empty; say why the rebuild is needed, e.g. "openssl fix".'),
          ),
        },
        'must be an object such as {"builtAfter": "2026-12-01T00:00:00Z", "reason": "openssl fix"}.',
      ),
    ),
  },
  'must be a JSON object such as {"autoOff": {"default": "2h"}}.',
);

type ParsedAutoOff = v.InferOutput<typeof autoOffSchema>;

/** The rules between fields, checked once every field is valid (the user fixes those first). */
function autoOffProblems(autoOff: ParsedAutoOff): Problem[] {
  const { min, max } = autoOff;
  const problem = (field: string, message: string): Problem[] => [{ path: ['autoOff', field], message }];
  if (min !== undefined && max !== undefined && min > max)
    return problem('min', `(${formatDuration(min)}) is more than max (${formatDuration(max)}); make min at most max.`);
  if (autoOff.default === 'off') {
    if (!autoOff.allowDisable)
      return problem(
        'allowDisable',
        'is false but default is "off", which turns auto-off off for everyone; give default a duration such as "2h", or set allowDisable to true.',
      );
  } else if (min !== undefined && autoOff.default < min) {
    return problem('default', `(${formatDuration(autoOff.default)}) is below min (${formatDuration(min)}); raise default or lower min.`);
  } else if (max !== undefined && autoOff.default > max) {
    return problem('default', `(${formatDuration(autoOff.default)}) is above max (${formatDuration(max)}); lower default or raise max.`);
  }
  return [];
}

/** Validates a whole policy document or throws one invalid_input error listing every problem, one `<source>: <field>: <fix>` per line. */
export function parsePolicy(json: unknown, source = 'policy'): Policy {
  const result = validate(policySchema, json);
  const problems = result.ok ? autoOffProblems(result.value.autoOff) : result.problems;
  if (!result.ok || problems.length > 0) {
    const lines = problems.map(({ path, message, unknownKey }) => {
      const field = path.map(String).join('.');
      const known = path.length === 1 ? FIELDS : path[0] === 'autoOff' ? AUTO_OFF_FIELDS : path[0] === 'pullAhead' ? PULL_AHEAD_FIELDS : FORCED_REBUILD_FIELDS;
      const text = unknownKey ? `is not a policy field; remove it (fields here: ${known}).` : message;
      return field ? `${source}: ${field}: ${text}` : `${source}: ${text}`;
    });
    throw new DrydockError('invalid_input', lines.join('\n'), problems[0]?.path.map(String).join('.') || 'policy');
  }
  const { autoOff, forcedRebuild, pullAhead } = result.value;
  const policy: Policy = {
    autoOff: {
      defaultMs: autoOff.default,
      userMayChange: autoOff.allowUserChange,
      userMayDisable: autoOff.allowDisable,
      maxLeaseMs: autoOff.maxLease,
      warnBeforeMs: autoOff.warnBefore,
    },
    pullAhead: { enabled: pullAhead.enabled, minFreeDiskBytes: pullAhead.minFreeDisk },
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
