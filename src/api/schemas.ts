import * as v from 'valibot';
import type { SpecInput } from '../core/spec';
import { fields } from '../core/validation';

/**
 * The request bodies, as the server validates them. The request types the
 * clients send are derived from these (`v.InferInput`), so a body and its
 * check cannot drift apart. Clients import this file for types only: the
 * validator stays out of their bundles.
 */

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A workspace spec as a client sends it. Its fields are checked by the core's
 * parseWorkspaceSpec, which knows the engine's limits and names every bad
 * field with its fix; here only its shape.
 */
const specInput = v.custom<SpecInput>(isObject, 'must be an object of workspace fields such as {"name": "api", "image": "ubuntu:24.04"}.');
const specChanges = v.custom<Partial<SpecInput>>(isObject, 'must be an object of workspace fields to change, such as {"memory": "8g"}.');
/** A request body that is not an object (an array, a string) is refused with this. */
const BODY = 'must be a JSON object of the fields in docs/api.md.';
const count = (what: string) =>
  v.pipe(
    v.number(`must be a number of ${what} such as 80.`),
    v.integer(`must be a whole number of ${what}.`),
    v.minValue(1, `must be at least 1 ${what.replace(/s$/, '')}.`),
  );

/** An engine's name, or `auto`, as `drydock engine ls` shows them. */
const engineName = v.pipe(
  v.string('must be an engine name from `drydock engine ls`, or "auto".'),
  v.regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, 'must be an engine name (lowercase letters, digits and dashes) from `drydock engine ls`, or "auto".'),
);

export const createRequestSchema = fields(
  {
    spec: specInput,
    build: v.optional(v.boolean('must be true or false (whether to build at once).'), true),
    /** Absent: the default engine; `auto`: the reachable engine with the most memory free. */
    engine: v.optional(engineName),
  },
  BODY,
);

/** `drydock engine add`: by address or by Docker context. */
export const addEngineRequestSchema = v.pipe(
  fields(
    {
      name: v.string('is required: the name to call the engine by, such as "big".'),
      host: v.optional(v.pipe(v.string('must be an address such as ssh://me@host or unix:///path/docker.sock.'), v.minLength(1, 'is empty.'))),
      context: v.optional(v.pipe(v.string('must be the name of a Docker context (`docker context ls`).'), v.minLength(1, 'is empty.'))),
    },
    BODY,
  ),
  v.check((body) => (body.host === undefined) !== (body.context === undefined), 'give either host (an address) or context (a Docker context), not both.'),
);

/** `pull`: this build's pull policy, over the workspace's own (not saved). */
export const rebuildRequestSchema = fields(
  {
    changes: v.optional(specChanges, {}),
    pull: v.optional(v.picklist(['always', 'missing', 'never'], 'must be "always", "missing" or "never".')),
  },
  BODY,
);

export const autoOffRequestSchema = fields({ setting: v.string('give "inherit", "off" or a duration such as 90m.') }, BODY);

export const extendRequestSchema = v.pipe(
  fields(
    {
      duration: v.optional(v.string('must be a duration such as "1h".')),
      until: v.optional(v.pipe(v.string('give an ISO time such as 2026-11-28T18:00:00Z.'), v.isoTimestamp('give an ISO time such as 2026-11-28T18:00:00Z.'))),
    },
    BODY,
  ),
  v.check((body) => (body.duration === undefined) !== (body.until === undefined), 'give either duration (e.g. "1h") or until (an ISO time), not both.'),
);

export const scheduleRequestSchema = fields(
  {
    cron: v.optional(v.string('must be a cron expression such as "0 9 * * 1-5".')),
    weekdays: v.optional(v.string('must be a time such as "09:00".')),
    timeZone: v.optional(v.string('must be an IANA time zone such as "Europe/Berlin".')),
    off: v.optional(v.boolean('must be true or false (true turns the schedule off).')),
  },
  BODY,
);

export const activityRequestSchema = fields(
  {
    source: v.optional(v.picklist(['editor', 'terminal', 'cli', 'api'], 'must be "editor", "terminal", "cli" or "api".'), 'api'),
  },
  BODY,
);

export const leaseRequestSchema = fields(
  {
    holder: v.pipe(
      v.string('is required: who holds the lease, such as "ci-job-42".'),
      v.minLength(1, 'is empty; say who holds the lease, such as "ci-job-42".'),
      v.maxLength(200, 'is longer than 200 characters; use a shorter name.'),
    ),
    ttl: v.optional(v.string('must be a duration such as "2m".'), '2m'),
  },
  BODY,
);

export const execRequestSchema = fields(
  {
    command: v.pipe(
      v.array(v.string('must be a string.'), 'give the command to run as a list, e.g. ["bash", "-l"].'),
      v.minLength(1, 'give the command to run, e.g. ["bash", "-l"].'),
    ),
    tty: v.optional(v.boolean('must be true or false (whether to allocate a terminal).'), false),
    stdin: v.optional(v.boolean('must be true or false (whether to attach standard input).'), true),
    columns: v.optional(count('columns')),
    rows: v.optional(count('rows')),
    env: v.optional(v.record(v.string(), v.string('must be a string value.'), 'must be an object of variables such as {"TERM": "xterm"}.'), {}),
    workingDir: v.optional(v.string('must be an absolute path in the workspace, such as /home/dev/src.')),
  },
  BODY,
);

export const resizeRequestSchema = fields({ columns: count('columns'), rows: count('rows') }, BODY);

export const deleteQuerySchema = fields({ deleteHome: v.optional(v.picklist(['true', 'false'], 'must be "true" or "false".')) }, BODY);

/** SSH engines: the address to probe or trust, and the fingerprint the user confirmed. */
const sshAddress = v.pipe(
  v.string('give the engine as ssh://[user@]host[:port].'),
  v.startsWith('ssh://', 'must be an ssh:// address, such as ssh://me@build-host:22.'),
  v.maxLength(1024, 'is longer than 1024 characters.'),
);
export const sshHostKeyQuerySchema = fields({ host: sshAddress }, BODY);
export const trustSshHostKeySchema = fields(
  {
    host: sshAddress,
    fingerprint: v.pipe(
      v.string('give the fingerprint you checked, such as SHA256:abc...'),
      v.regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be a SHA256 fingerprint as `ssh-keygen -lf` prints it (SHA256: and 43 characters).'),
    ),
  },
  BODY,
);

/** Workspace files: paths are absolute in the container; flags in queries are "true" or "false". */
const containerPath = v.pipe(
  v.string('give an absolute path in the workspace, such as /home/dev/src.'),
  v.startsWith('/', 'must be an absolute path in the workspace, such as /home/dev/src.'),
  v.maxLength(4096, 'is longer than 4096 characters.'),
);
const queryFlag = (fallback: 'true' | 'false') => v.optional(v.picklist(['true', 'false'], 'must be "true" or "false".'), fallback);

export const filePathQuerySchema = fields({ path: containerPath }, BODY);
export const writeFileQuerySchema = fields({ path: containerPath, create: queryFlag('true'), overwrite: queryFlag('true') }, BODY);
export const watchQuerySchema = fields({ path: containerPath, recursive: queryFlag('false') }, BODY);
export const createDirectoryRequestSchema = fields({ path: containerPath }, BODY);
export const deleteFileRequestSchema = fields({ path: containerPath, recursive: v.optional(v.boolean('must be true or false.'), false) }, BODY);
export const renameFileRequestSchema = fields(
  { from: containerPath, to: containerPath, overwrite: v.optional(v.boolean('must be true or false.'), false) },
  BODY,
);

export type CreateRequest = v.InferInput<typeof createRequestSchema>;
export type AddEngineRequest = v.InferInput<typeof addEngineRequestSchema>;
export type RebuildRequest = v.InferInput<typeof rebuildRequestSchema>;
export type AutoOffRequest = v.InferInput<typeof autoOffRequestSchema>;
export type ExtendRequest = v.InferInput<typeof extendRequestSchema>;
export type ScheduleRequest = v.InferInput<typeof scheduleRequestSchema>;
export type ActivityRequest = v.InferInput<typeof activityRequestSchema>;
export type LeaseRequest = v.InferInput<typeof leaseRequestSchema>;
export type ExecRequest = v.InferInput<typeof execRequestSchema>;
export type ResizeRequest = v.InferInput<typeof resizeRequestSchema>;
export type DeleteQuery = v.InferInput<typeof deleteQuerySchema>;
export type WriteFileQuery = v.InferInput<typeof writeFileQuerySchema>;
export type DeleteFileRequest = v.InferInput<typeof deleteFileRequestSchema>;
export type RenameFileRequest = v.InferInput<typeof renameFileRequestSchema>;
