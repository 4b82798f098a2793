import { z } from 'zod';

/** Request bodies as the server validates them; the types clients send are in protocol.ts. */
export const autoOffRequestSchema = z.object({ setting: z.string({ error: 'give "inherit", "off" or a duration such as 90m.' }) }).strict();

export const extendRequestSchema = z
  .object({ duration: z.string().optional(), until: z.string().optional() })
  .strict()
  .refine((body) => (body.duration === undefined) !== (body.until === undefined), { error: 'give either duration (e.g. "1h") or until (an ISO time), not both.' });

export const scheduleRequestSchema = z
  .object({ cron: z.string().optional(), weekdays: z.string().optional(), timeZone: z.string().optional(), off: z.boolean().optional() })
  .strict();

export const activityRequestSchema = z.object({ source: z.enum(['editor', 'terminal', 'cli', 'api']).default('api') }).strict();

export const leaseRequestSchema = z.object({ holder: z.string().min(1).max(200), ttl: z.string().default('2m') }).strict();

export const specInputSchema = z.record(z.string(), z.unknown());

export const createRequestSchema = z
  .object({
    spec: specInputSchema,
    build: z.boolean().default(true),
  })
  .strict();

export const rebuildRequestSchema = z.object({ changes: specInputSchema.default({}) }).strict();


export const execRequestSchema = z
  .object({
    command: z.array(z.string()).min(1, { error: 'give the command to run, e.g. ["bash", "-l"].' }),
    tty: z.boolean().default(false),
    stdin: z.boolean().default(true),
    columns: z.number().int().positive().optional(),
    rows: z.number().int().positive().optional(),
    env: z.record(z.string(), z.string()).default({}),
    workingDir: z.string().optional(),
  })
  .strict();

export const resizeRequestSchema = z.object({ columns: z.number().int().positive(), rows: z.number().int().positive() }).strict();
