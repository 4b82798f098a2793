import { z } from 'zod';
import type { SpecInput } from '../core/spec';

/**
 * The request bodies, as the server validates them. The request types the
 * clients send are derived from these (`z.input`), so a body and its check
 * cannot drift apart. Clients import this file for types only: zod stays out
 * of their bundles.
 */

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A workspace spec as a client sends it. Its fields are checked by the core's
 * parseWorkspaceSpec, which knows the engine's limits and names every bad
 * field with its fix; here only its shape.
 */
const specInput = z.custom<SpecInput>(isObject, { error: 'must be an object of workspace fields such as {"name": "api", "image": "ubuntu:24.04"}.' });
const specChanges = z.custom<Partial<SpecInput>>(isObject, { error: 'must be an object of workspace fields to change, such as {"memory": "8g"}.' });

export const createRequestSchema = z.object({ spec: specInput, build: z.boolean().default(true) }).strict();

export const rebuildRequestSchema = z.object({ changes: specChanges.default({}) }).strict();

export const autoOffRequestSchema = z.object({ setting: z.string({ error: 'give "inherit", "off" or a duration such as 90m.' }) }).strict();

export const extendRequestSchema = z
  .object({ duration: z.string().optional(), until: z.iso.datetime({ offset: true, error: 'give an ISO time such as 2026-11-28T18:00:00Z.' }).optional() })
  .strict()
  .refine((body) => (body.duration === undefined) !== (body.until === undefined), {
    error: 'give either duration (e.g. "1h") or until (an ISO time), not both.',
  });

export const scheduleRequestSchema = z
  .object({ cron: z.string().optional(), weekdays: z.string().optional(), timeZone: z.string().optional(), off: z.boolean().optional() })
  .strict();

export const activityRequestSchema = z.object({ source: z.enum(['editor', 'terminal', 'cli', 'api']).default('api') }).strict();

export const leaseRequestSchema = z.object({ holder: z.string().min(1).max(200), ttl: z.string().default('2m') }).strict();

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

export const deleteQuerySchema = z.object({ deleteHome: z.enum(['true', 'false']).optional() }).strict();

export type CreateRequest = z.input<typeof createRequestSchema>;
export type RebuildRequest = z.input<typeof rebuildRequestSchema>;
export type AutoOffRequest = z.input<typeof autoOffRequestSchema>;
export type ExtendRequest = z.input<typeof extendRequestSchema>;
export type ScheduleRequest = z.input<typeof scheduleRequestSchema>;
export type ActivityRequest = z.input<typeof activityRequestSchema>;
export type LeaseRequest = z.input<typeof leaseRequestSchema>;
export type ExecRequest = z.input<typeof execRequestSchema>;
export type ResizeRequest = z.input<typeof resizeRequestSchema>;
export type DeleteQuery = z.input<typeof deleteQuerySchema>;
