import * as v from 'valibot';
import { errorMessage } from './errors';

/**
 * The project's one validator is valibot (small and tree-shaken: about 1 MB
 * of the backend's memory where zod cost about 11 MB). These helpers keep
 * every message worded for users: the field and the fix.
 */

/**
 * A strict object (an unknown key is a problem) that, unlike valibot's,
 * refuses an array: `[]` is not a set of fields, and would otherwise pass as
 * `{}` with every default.
 */
export function fields<const E extends v.ObjectEntries, const M extends string | undefined = undefined>(entries: E, message?: M): v.StrictObjectSchema<E, M> {
  const schema = v.strictObject(entries, message as M);
  const run = schema['~run'];
  const refuseArrays: typeof run = function (this: typeof schema, dataset, config) {
    if (!Array.isArray(dataset.value)) return run.call(this, dataset, config);
    v._addIssue(this, 'type', dataset, config);
    return dataset as unknown as ReturnType<typeof run>;
  };
  return Object.assign(schema, { '~run': refuseArrays });
}

/**
 * A transform by one of our parsers (parseDuration, parseMemory...), which
 * throw errors already worded for users: the message is kept without its
 * field prefix, since the issue's path names the field.
 */
export function parsedBy<In, Out>(parse: (value: In) => Out): v.RawTransformAction<In, Out> {
  return v.rawTransform<In, Out>(({ dataset, addIssue, NEVER }) => {
    try {
      return parse(dataset.value);
    } catch (error) {
      addIssue({ message: errorMessage(error).replace(/^[\w.]+: /, '') });
      return NEVER;
    }
  });
}

/** A check by a function that names the problem in words, or answers undefined when there is none. */
export function refusedBy(check: (value: string) => string | undefined): v.RawCheckAction<string> {
  return v.rawCheck<string>(({ dataset, addIssue }) => {
    const problem = dataset.typed ? check(dataset.value) : undefined;
    if (problem) addIssue({ message: problem });
  });
}

export interface Problem {
  /** Keys and indexes from the top, e.g. ['secrets', 1, 'owner']. */
  path: (string | number)[];
  message: string;
  /** The last key of the path is not a field of its object; the caller words the message. */
  unknownKey?: true;
}

export type Checked<S extends v.GenericSchema> = { ok: true; value: v.InferOutput<S> } | { ok: false; problems: Problem[] };

/**
 * Validates `input`, collecting every problem. Two of valibot's habits are
 * turned into what a user needs: a missing field is reported by its object
 * ("Invalid key"), so it gets its own schema's message instead (the one that
 * says what to write); and a strict object stops at its first unknown key,
 * so every unknown key of that object is named.
 */
export function validate<S extends v.GenericSchema>(schema: S, input: unknown): Checked<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return { ok: true, value: result.output };
  const problems: Problem[] = [];
  for (const issue of result.issues) {
    const steps = issue.path ?? [];
    const path = steps.map((step) => step.key as string | number);
    const last = steps[steps.length - 1];
    const objectKey = last?.origin === 'key' && (issue.type === 'strict_object' || issue.type === 'object');
    if (objectKey && issue.expected === 'never') {
      const parent = path.slice(0, -1);
      const known = entriesAt(schema, parent) ?? {};
      const object = last.input as Record<string, unknown>;
      for (const key of Object.keys(object).filter((name) => !Object.prototype.hasOwnProperty.call(known, name))) {
        problems.push({ path: [...parent, key], message: 'is not a field here; remove it.', unknownKey: true });
      }
    } else if (objectKey) {
      const field = schemaAt(schema, path);
      const own = field ? v.safeParse(field, undefined).issues?.[0]?.message : undefined;
      problems.push({ path, message: own ?? 'is required.' });
    } else {
      problems.push({ path, message: issue.message });
    }
  }
  return { ok: false, problems };
}

/** Schemas as a tree: optional wraps, arrays have items, objects entries, records values (a pipe spreads its first schema). */
interface SchemaNode {
  wrapped?: SchemaNode;
  item?: SchemaNode;
  value?: SchemaNode;
  entries?: Record<string, SchemaNode>;
}

function schemaAt(schema: v.GenericSchema, path: (string | number)[]): v.GenericSchema | undefined {
  let node: SchemaNode | undefined = schema as SchemaNode;
  for (const key of path) {
    while (node?.wrapped) node = node.wrapped;
    node = typeof key === 'number' ? node?.item : (node?.entries?.[key] ?? node?.value);
  }
  return node as v.GenericSchema | undefined;
}

function entriesAt(schema: v.GenericSchema, path: (string | number)[]): Record<string, unknown> | undefined {
  let node = schemaAt(schema, path) as SchemaNode | undefined;
  while (node?.wrapped) node = node.wrapped;
  return node?.entries;
}
