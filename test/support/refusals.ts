import assert from 'node:assert/strict';
import { isDrydockError, type ErrorCode } from '../../src/core/errors';

/**
 * Asserts `fn` throws a DrydockError with `code` for `field`, whose message
 * names every fragment (the user reads the message, so it is part of the
 * behaviour); returns that message for further checks.
 */
export function assertRefused(code: ErrorCode, fn: () => unknown, field: string, ...fragments: string[]): string {
  let message = '';
  assert.throws(fn, (error: unknown) => {
    assert.ok(isDrydockError(error, code), `expected ${code}, got ${String(error)}`);
    assert.equal(error.field, field, error.message);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should mention "${fragment}"`);
    message = error.message;
    return true;
  });
  return message;
}

/** An invalid_input refusal for `field` (see assertRefused). */
export const assertInvalid = (fn: () => unknown, field: string, ...fragments: string[]): string => assertRefused('invalid_input', fn, field, ...fragments);
