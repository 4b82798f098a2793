import { z } from 'zod';
import { DrydockError } from './errors';
import { parseMemory } from './memory';
import { WORKSPACE_NAME } from './names';

/**
 * A workspace's specification, validated once at the boundary. Every message
 * names the field and the fix; all problems are reported together.
 */
export type PullPolicy = 'always' | 'missing' | 'never';

export interface WorkspaceSpec {
  name: string;
  image: string;
  /** Absent: the image's USER. */
  user?: string;
  cpus?: number;
  memoryBytes?: number;
  env: Record<string, string>;
  pullPolicy: PullPolicy;
}

export interface HostLimits {
  cpus: number;
}

// The docker/distribution reference grammar, condensed.
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?)`;
const PATH_PART = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_PART}(?:/${PATH_PART})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);
const POSIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function schema(limits: HostLimits) {
  return z
    .object({
      name: z
        .string({ error: 'is required; give a name like "api" (lowercase letters, digits and dashes).' })
        .regex(WORKSPACE_NAME, {
          error: 'must be a DNS label: 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit (e.g. "api-dev").',
        }),
      image: z
        .string({ error: 'is required; give an image reference like "ubuntu:24.04" or "ghcr.io/org/dev:latest".' })
        .max(255, { error: 'is longer than 255 characters; Docker refuses it.' })
        .regex(IMAGE_REFERENCE, { error: 'is not a valid image reference; write it like "ubuntu:24.04" or "registry.example.com/team/dev:1.2" (lowercase repository).' }),
      user: z
        .string()
        .regex(POSIX_USER, { error: 'must be a POSIX user name (lowercase, digits, "_" or "-", at most 32, not starting with a digit or "-"), e.g. "dev"; leave it out to use the image\'s USER.' })
        .refine((user) => user !== 'root', { error: 'cannot be root: a workspace home is /home/<user>; name a non-root user of the image.' })
        .optional(),
      cpus: z.coerce
        .number({ error: 'must be a number of CPUs such as 2 or 0.5.' })
        .refine((cpus) => Number.isFinite(cpus) && cpus > 0, { error: 'must be more than 0, e.g. 2 or 0.5.' })
        .refine((cpus) => cpus <= limits.cpus, { error: `is more than this host has (${limits.cpus}); ask for ${limits.cpus} or fewer.` })
        .optional(),
      memory: z.union([z.string(), z.number()], { error: 'must be a size such as 512m or 2g.' }).optional(),
      env: z
        .record(
          z.string().regex(ENV_KEY, { error: 'is not a valid variable name; use letters, digits and "_", not starting with a digit.' }),
          z.string({ error: 'must be a string value.' }).refine((value) => !value.includes('\0'), { error: 'contains a NUL byte, which no environment can hold; remove it.' }),
        )
        .default({}),
      pullPolicy: z.enum(['always', 'missing', 'never'], { error: 'must be "always", "missing" or "never".' }).default('missing'),
    })
    .strict();
}

/** Validates untrusted input (CLI, API, state file) into a WorkspaceSpec or throws one error listing every problem. */
export function parseWorkspaceSpec(input: unknown, limits: HostLimits): WorkspaceSpec {
  const result = schema(limits).safeParse(input);
  const problems: { field: string; message: string }[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push({ field: key, message: 'is not a workspace field; remove it (fields: name, image, user, cpus, memory, env, pullPolicy).' });
      } else if (issue.code === 'invalid_key') {
        // zod reports a bad record key as "Invalid key in record"; our message is in the nested issue.
        problems.push({ field: issue.path.map(String).join('.'), message: issue.issues[0]?.message ?? issue.message });
      } else {
        problems.push({ field: issue.path.map(String).join('.') || 'spec', message: issue.message });
      }
    }
  }
  let memoryBytes: number | undefined;
  const rawMemory = (input as { memory?: unknown } | null)?.memory;
  if (rawMemory !== undefined && (typeof rawMemory === 'string' || typeof rawMemory === 'number')) {
    try {
      memoryBytes = parseMemory(String(rawMemory));
    } catch (error) {
      problems.push({ field: 'memory', message: (error as Error).message.replace(/^memory: /, '') });
    }
  }
  if (problems.length > 0 || !result.success) {
    const first = problems[0];
    const message = problems.map((problem) => `${problem.field}: ${problem.message}`).join('\n');
    throw new DrydockError('invalid_input', message, first.field);
  }
  const { name, image, user, cpus, env, pullPolicy } = result.data;
  const spec: WorkspaceSpec = { name, image, user, cpus, env, pullPolicy };
  if (memoryBytes !== undefined) spec.memoryBytes = memoryBytes;
  return dropUndefined(spec);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** Parses `KEY=VALUE` pairs (CLI `--env`) into a record; the value may itself contain "=". */
export function parseEnvPairs(pairs: readonly string[], field = 'env'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new DrydockError('invalid_input', `${field}: "${pair}" is not KEY=VALUE; write it like --env EDITOR=vim.`, field);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}
