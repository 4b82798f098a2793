/**
 * Every failure a user can see is a DrydockError: a stable code for programs
 * (API status, CLI exit), the field at fault when input was bad, and a
 * message that says what failed and how to fix it.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'exists'
  | 'no_permission'
  | 'not_directory'
  | 'is_directory'
  | 'busy'
  | 'conflict'
  | 'image_missing'
  | 'user_missing'
  | 'docker_unreachable'
  | 'ssh_host_key_unknown'
  | 'ssh_host_key_changed'
  | 'backend_down'
  | 'docker_error'
  | 'hook_failed'
  | 'policy_refused'
  | 'interrupted'
  | 'internal';

export class DrydockError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DrydockError';
  }
}

/** Bad input: the message must name the field and say how to fix it. */
export function invalid(field: string, message: string): DrydockError {
  return new DrydockError('invalid_input', `${field}: ${message}`, field);
}

export function isDrydockError(error: unknown, code?: ErrorCode): error is DrydockError {
  return error instanceof DrydockError && (code === undefined || error.code === code);
}

/** A message for any thrown value, without losing a DrydockError's wording. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
