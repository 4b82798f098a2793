import { z } from 'zod';
import { parsedBy } from './zodParsers';
import { parseDuration } from './duration';
import { DrydockError, invalid } from './errors';
import { checkBranch, checkDotfilesUrl, secretTargetInHome } from './hookPlan';
import { formatMemory, parseMemory } from './memory';
import { USER_NAME, WORKSPACE_NAME } from './names';

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
  /** Run as the user on every build when the image has it (Coder's convention). */
  configurePath: string;
  /** Each hook process (configure, dotfiles install, personalize) is killed after this. */
  hookTimeoutMs: number;
  /** Host path of the git SSH private key; its `.pub` beside it. */
  sshKey?: string;
  /** known_hosts content for ~/.ssh/known_hosts. */
  knownHosts?: string;
  secrets: SecretFile[];
  dotfiles?: { url: string; branch?: string };
}

export interface SecretFile {
  /** Absolute host path. */
  source: string;
  /** Path relative to home. */
  target: string;
  mode: number;
}

export const DEFAULT_CONFIGURE_PATH = '/coder/configure';
export const DEFAULT_HOOK_TIMEOUT = '10m';
const FIELDS = 'name, image, user, cpus, memory, env, pullPolicy, configurePath, hookTimeout, sshKey, knownHosts, secrets, dotfiles';
/** The fields of the nested objects, for naming them when an unknown key is found inside one. */
const NESTED_FIELDS: Record<string, { what: string; fields: string }> = {
  secrets: { what: 'secret', fields: 'source, target, mode' },
  dotfiles: { what: 'dotfiles', fields: 'url, branch' },
};
/** Docker turns cpus into NanoCpus; far below a hundredth of a CPU it means no limit or a useless one. */
const MIN_CPUS = 0.01;

export interface HostLimits {
  cpus: number;
  /** The engine's total memory; absent: memory is not bounded (only callers that never ask the engine). */
  memoryBytes?: number;
}

// The docker/distribution reference grammar, condensed.
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?)`;
const PATH_PART = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_PART}(?:/${PATH_PART})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function schema(limits: HostLimits) {
  return z
    .object({
      name: z.string({ error: 'is required; give a name like "api" (lowercase letters, digits and dashes).' }).regex(WORKSPACE_NAME, {
        error: 'must be a DNS label: 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit (e.g. "api-dev").',
      }),
      image: z
        .string({ error: 'is required; give an image reference like "ubuntu:24.04" or "ghcr.io/org/dev:latest".' })
        .max(255, { error: 'is longer than 255 characters; Docker refuses it.' })
        .regex(IMAGE_REFERENCE, {
          error: 'is not a valid image reference; write it like "ubuntu:24.04" or "registry.example.com/team/dev:1.2" (lowercase repository).',
        }),
      user: z
        .string()
        .regex(USER_NAME, {
          error:
            'must be a POSIX user name (lowercase, digits, "_" or "-", at most 32, not starting with a digit or "-"), e.g. "dev"; leave it out to use the image\'s USER.',
        })
        .refine((user) => user !== 'root', { error: 'cannot be root: a workspace home is /home/<user>; name a non-root user of the image.' })
        .optional(),
      cpus: z
        .number({ error: 'must be a number of CPUs such as 2 or 0.5.' })
        .refine((cpus) => Number.isFinite(cpus) && cpus >= MIN_CPUS, { error: `must be at least ${MIN_CPUS} (a hundredth of a CPU), e.g. 2 or 0.5.` })
        .refine((cpus) => cpus <= limits.cpus, { error: `is more than this host has (${limits.cpus}); ask for ${limits.cpus} or fewer.` })
        .optional(),
      memory: z
        .union([z.string(), z.number()], { error: 'must be a size such as 512m or 2g.' })
        .transform(parsedBy((text) => parseMemory(String(text))))
        .refine((bytes) => limits.memoryBytes === undefined || bytes <= limits.memoryBytes, {
          error: `is more than Docker's host has (${describeMemory(limits.memoryBytes ?? 0)}); ask for ${suggestMemory(limits.memoryBytes ?? 0)} or less.`,
        })
        .optional(),
      env: z
        .record(
          z.string().regex(ENV_KEY, { error: 'is not a valid variable name; use letters, digits and "_", not starting with a digit.' }),
          z
            .string({ error: 'must be a string value.' })
            .refine((value) => !value.includes('\0'), { error: 'contains a NUL byte, which no environment can hold; remove it.' }),
        )
        .default({}),
      pullPolicy: z.enum(['always', 'missing', 'never'], { error: 'must be "always", "missing" or "never".' }).default('missing'),
      configurePath: z
        .string()
        .regex(/^\/[^\0]*[^/]$/, { error: 'must be an absolute path in the image, such as /coder/configure.' })
        .default(DEFAULT_CONFIGURE_PATH),
      hookTimeout: z
        .string({ error: 'must be a duration such as 10m.' })
        .default(DEFAULT_HOOK_TIMEOUT)
        .transform(parsedBy((text) => parseDuration(text))),
      sshKey: hostPath('the private key, e.g. /home/me/.ssh/id_ed25519').optional(),
      knownHosts: z.string({ error: 'must be the text of a known_hosts file.' }).optional(),
      secrets: z
        .array(
          z
            .object({
              source: hostPath('the secret file on this machine'),
              target: z.string({ error: 'is required: the path under home, e.g. ".config/gh/hosts.yml".' }),
              mode: z.union([z.number().int(), z.string()], { error: 'must be an octal mode such as 0600.' }).transform(parsedBy(parseMode)).default(0o600),
            })
            .strict(),
        )
        .default([]),
      dotfiles: z
        .object({
          url: z.string({ error: 'is required: the dotfiles repository URL.' }).superRefine(refuseWith(checkDotfilesUrl)),
          branch: z.string().superRefine(refuseWith(checkBranch)).optional(),
        })
        .strict()
        .optional(),
    })
    .strict()
    .superRefine((spec, context) => {
      // Secrets that would leave home are refused before any build starts.
      spec.secrets.forEach((secret, index) => {
        const target = secretTargetInHome(secret.target, spec.user);
        if ('error' in target) context.addIssue({ code: 'custom', path: ['secrets', index, 'target'], message: target.error });
      });
    });
}

/** The host's memory for a person: rarely a whole number of GiB, so one decimal. */
function describeMemory(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)}g (${bytes} bytes)` : formatMemory(bytes);
}

/** A round amount that fits the host: whole GiB, else whole MiB. */
function suggestMemory(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${Math.floor(bytes / 1024 ** 3)}g` : `${Math.floor(bytes / 1024 ** 2)}m`;
}

function parseMode(mode: number | string): number {
  const value = typeof mode === 'number' ? mode : /^0?[0-7]{3,4}$/.test(mode) ? parseInt(mode, 8) : NaN;
  if (!(value >= 0 && value <= 0o7777)) throw new Error(`${String(mode)} is not an octal mode; give one such as 0600 or 0640.`);
  return value;
}

function hostPath(what: string) {
  return z.string({ error: `is required: ${what}.` }).regex(/^\/[^\0]*$/, { error: `must be an absolute path to ${what}.` });
}

function refuseWith(check: (value: string) => string | undefined) {
  return (value: string, context: z.RefinementCtx): void => {
    const problem = check(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  };
}

/** A CPU count typed by a person (`--cpus 1.5`), as the number the spec takes. */
export function parseCpus(text: string, field = 'cpus'): number {
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text.trim())) throw invalid(field, `"${text}" is not a number of CPUs; give one such as 2 or 0.5.`);
  return Number(text);
}

/** A spec as clients send it and the state file keeps it: the schema's input. */
export type SpecInput = z.input<ReturnType<typeof schema>>;

// Building a zod schema costs far more than using one: keep one per host (CPU count and memory).
const schemas = new Map<string, ReturnType<typeof schema>>();

/** Validates untrusted input (CLI, API, state file) into a WorkspaceSpec or throws one error listing every problem. */
export function parseWorkspaceSpec(input: unknown, limits: HostLimits): WorkspaceSpec {
  const key = `${limits.cpus}/${limits.memoryBytes ?? ''}`;
  let cached = schemas.get(key);
  if (!cached) schemas.set(key, (cached = schema(limits)));
  const result = cached.safeParse(input);
  if (!result.success) {
    const problems: { field: string; message: string }[] = [];
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        // Inside a secret or dotfiles the key is named by its whole path (secrets.0.owner), with that object's fields.
        const prefix = issue.path.map(String).join('.');
        const nested = NESTED_FIELDS[String(issue.path[0])];
        for (const key of issue.keys) {
          if (!prefix) problems.push({ field: key, message: `is not a workspace field; remove it (fields: ${FIELDS}).` });
          else {
            const message = nested ? `is not a ${nested.what} field; remove it (fields: ${nested.fields}).` : 'is not a field here; remove it.';
            problems.push({ field: `${prefix}.${key}`, message });
          }
        }
      } else if (issue.code === 'invalid_key') {
        // zod reports a bad record key as "Invalid key in record"; our message is in the nested issue.
        problems.push({ field: issue.path.map(String).join('.'), message: issue.issues[0]?.message ?? issue.message });
      } else {
        problems.push({ field: issue.path.map(String).join('.') || 'spec', message: issue.message });
      }
    }
    // Report in the order of the fields, whatever order zod found them in.
    const order = FIELDS.split(', ');
    const rank = (field: string): number => {
      const index = order.indexOf(field.split('.')[0] ?? '');
      return index < 0 ? order.length : index;
    };
    problems.sort((a, b) => rank(a.field) - rank(b.field));
    const first = problems[0];
    const message = problems.map((problem) => `${problem.field}: ${problem.message}`).join('\n');
    throw new DrydockError('invalid_input', message, first?.field);
  }
  const { memory, hookTimeout, secrets, ...rest } = result.data;
  const spec: WorkspaceSpec = {
    ...rest,
    hookTimeoutMs: hookTimeout,
    secrets: secrets.map((secret) => {
      const target = secretTargetInHome(secret.target, rest.user);
      return { ...secret, target: 'relative' in target ? target.relative : secret.target };
    }),
  };
  if (memory !== undefined) spec.memoryBytes = memory;
  return dropUndefined(spec);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
