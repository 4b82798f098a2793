import * as v from 'valibot';
import { parseDuration } from './duration';
import { DrydockError, invalid } from './errors';
import { checkBranch, checkDotfilesUrl, secretTargetInHome } from './hookPlan';
import { formatMemory, parseMemory } from './memory';
import type { PullPolicy } from './imageReference';
import { USER_NAME, WORKSPACE_NAME } from './names';
import { fields, parsedBy, refusedBy, validate, type Problem } from './validation';

export type { PullPolicy };

/**
 * A workspace's specification, validated once at the boundary. Every message
 * names the field and the fix; all problems are reported together.
 */
export interface WorkspaceSpec {
  name: string;
  image: string;
  /** Absent: the image's USER. */
  user?: string;
  cpus?: number;
  memoryBytes?: number;
  env: Record<string, string>;
  /** Absent: the default (core/imageReference.ts pullDecision: `always` for a tag from a registry). */
  pullPolicy?: PullPolicy;
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
  return fields(
    {
      name: v.pipe(
        v.string('is required; give a name like "api" (lowercase letters, digits and dashes).'),
        v.regex(WORKSPACE_NAME, 'must be a DNS label: 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit (e.g. "api-dev").'),
      ),
      image: v.pipe(
        v.string('is required; give an image reference like "ubuntu:24.04" or "ghcr.io/org/dev:latest".'),
        v.maxLength(255, 'is longer than 255 characters; Docker refuses it.'),
        v.regex(IMAGE_REFERENCE, 'is not a valid image reference; write it like "ubuntu:24.04" or "registry.example.com/team/dev:1.2" (lowercase repository).'),
      ),
      user: v.optional(
        v.pipe(
          v.string('must be a POSIX user name such as "dev"; leave it out to use the image\'s USER.'),
          v.regex(
            USER_NAME,
            'must be a POSIX user name (lowercase, digits, "_" or "-", at most 32, not starting with a digit or "-"), e.g. "dev"; leave it out to use the image\'s USER.',
          ),
          v.check((user) => user !== 'root', 'cannot be root: a workspace home is /home/<user>; name a non-root user of the image.'),
        ),
      ),
      cpus: v.optional(
        v.pipe(
          v.number('must be a number of CPUs such as 2 or 0.5.'),
          v.check((cpus) => Number.isFinite(cpus) && cpus >= MIN_CPUS, `must be at least ${MIN_CPUS} (a hundredth of a CPU), e.g. 2 or 0.5.`),
          v.check((cpus) => cpus <= limits.cpus, `is more than this host has (${limits.cpus}); ask for ${limits.cpus} or fewer.`),
        ),
      ),
      memory: v.optional(
        v.pipe(
          v.union([v.string(), v.number()], 'must be a size such as 512m or 2g.'),
          parsedBy((text: string | number) => parseMemory(String(text))),
          v.check(
            (bytes) => limits.memoryBytes === undefined || bytes <= limits.memoryBytes,
            `is more than Docker's host has (${describeMemory(limits.memoryBytes ?? 0)}); ask for ${suggestMemory(limits.memoryBytes ?? 0)} or less.`,
          ),
        ),
      ),
      env: v.optional(
        v.record(
          v.pipe(v.string(), v.regex(ENV_KEY, 'is not a valid variable name; use letters, digits and "_", not starting with a digit.')),
          v.pipe(
            v.string('must be a string value.'),
            v.check((value) => !value.includes('\0'), 'contains a NUL byte, which no environment can hold; remove it.'),
          ),
          'must be an object of variables such as {"EDITOR": "vim"}.',
        ),
        {},
      ),
      pullPolicy: v.optional(v.picklist(['always', 'missing', 'never'], 'must be "always", "missing" or "never".')),
      configurePath: v.optional(
        v.pipe(
          v.string('must be an absolute path in the image, such as /coder/configure.'),
          v.regex(/^\/[^\0]*[^/]$/, 'must be an absolute path in the image, such as /coder/configure.'),
        ),
        DEFAULT_CONFIGURE_PATH,
      ),
      hookTimeout: v.pipe(
        v.optional(v.string('must be a duration such as 10m.'), DEFAULT_HOOK_TIMEOUT),
        parsedBy((text: string) => parseDuration(text)),
      ),
      sshKey: v.optional(hostPath('the private key, e.g. /home/me/.ssh/id_ed25519')),
      knownHosts: v.optional(v.string('must be the text of a known_hosts file.')),
      secrets: v.optional(
        v.array(
          fields(
            {
              source: hostPath('the secret file on this machine'),
              target: v.string('is required: the path under home, e.g. ".config/gh/hosts.yml".'),
              mode: v.optional(
                v.pipe(v.union([v.pipe(v.number(), v.integer()), v.string()], 'must be an octal mode such as 0600.'), parsedBy(parseMode)),
                0o600,
              ),
            },
            'must be an object such as {"source": "/home/me/.config/gh/hosts.yml", "target": ".config/gh/hosts.yml"}.',
          ),
          'must be a list of secret files such as [{"source": "/home/me/token", "target": ".token"}].',
        ),
        [],
      ),
      dotfiles: v.optional(
        fields(
          {
            url: v.pipe(v.string('is required: the dotfiles repository URL.'), refusedBy(checkDotfilesUrl)),
            branch: v.optional(v.pipe(v.string('must be a branch name such as "main".'), refusedBy(checkBranch))),
          },
          'must be an object such as {"url": "https://github.com/me/dotfiles"}.',
        ),
      ),
    },
    'must be an object of workspace fields such as {"name": "api", "image": "ubuntu:24.04"}.',
  );
}

/** Secrets that would leave home are refused before any build starts (once every field is valid, as the user can fix that first). */
function secretTargetProblems(spec: v.InferOutput<ReturnType<typeof schema>>): Problem[] {
  const problems: Problem[] = [];
  spec.secrets.forEach((secret, index) => {
    const target = secretTargetInHome(secret.target, spec.user);
    if ('error' in target) problems.push({ path: ['secrets', index, 'target'], message: target.error });
  });
  return problems;
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
  return v.pipe(v.string(`is required: ${what}.`), v.regex(/^\/[^\0]*$/, `must be an absolute path to ${what}.`));
}

/** A CPU count typed by a person (`--cpus 1.5`), as the number the spec takes. */
export function parseCpus(text: string, field = 'cpus'): number {
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text.trim())) throw invalid(field, `"${text}" is not a number of CPUs; give one such as 2 or 0.5.`);
  return Number(text);
}

/** A spec as clients send it and the state file keeps it: the schema's input. */
export type SpecInput = v.InferInput<ReturnType<typeof schema>>;

// Building a schema costs more than using one: keep one per host (CPU count and memory).
const schemas = new Map<string, ReturnType<typeof schema>>();

/** Validates untrusted input (CLI, API, state file) into a WorkspaceSpec or throws one error listing every problem. */
export function parseWorkspaceSpec(input: unknown, limits: HostLimits): WorkspaceSpec {
  const key = `${limits.cpus}/${limits.memoryBytes ?? ''}`;
  let cached = schemas.get(key);
  if (!cached) schemas.set(key, (cached = schema(limits)));
  const result = validate(cached, input);
  const problems = result.ok ? secretTargetProblems(result.value) : result.problems;
  if (!result.ok || problems.length > 0) throw invalidSpec(problems);
  const { memory, hookTimeout, secrets, ...rest } = result.value;
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

/** One error for every problem, in the order of the fields; its field is the first one. */
function invalidSpec(found: Problem[]): DrydockError {
  const problems = found.map(({ path, message, unknownKey }) => {
    const field = path.map(String).join('.') || 'spec';
    if (!unknownKey) return { field, message };
    // Inside a secret or dotfiles the key is named by its whole path (secrets.0.owner), with that object's fields.
    const nested = NESTED_FIELDS[String(path[0])];
    if (path.length === 1) return { field, message: `is not a workspace field; remove it (fields: ${FIELDS}).` };
    return { field, message: nested ? `is not a ${nested.what} field; remove it (fields: ${nested.fields}).` : message };
  });
  const order = FIELDS.split(', ');
  const rank = (field: string): number => {
    const index = order.indexOf(field.split('.')[0] ?? '');
    return index < 0 ? order.length : index;
  };
  problems.sort((a, b) => rank(a.field) - rank(b.field));
  const message = problems.map((problem) => `${problem.field}: ${problem.message}`).join('\n');
  return new DrydockError('invalid_input', message, problems[0]?.field);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
