import { z } from 'zod';
import { errorMessage } from './errors';

/**
 * A zod transform from one of our parsers (parseDuration, parseMemory...),
 * which throw errors already worded for users: the message is kept, without
 * its field prefix, since zod adds the path itself.
 */
export function parsedBy<In, Out>(parse: (value: In) => Out) {
  return (value: In, context: z.RefinementCtx): Out => {
    try {
      return parse(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: errorMessage(error).replace(/^[\w.]+: /, '') });
      return z.NEVER;
    }
  };
}
