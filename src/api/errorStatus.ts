import type { ErrorCode } from '../core/errors';

/** The HTTP status the API answers for each error code (clients read the code from the body). */
export const STATUS_FOR: Record<ErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  exists: 409,
  no_permission: 403,
  not_directory: 409,
  is_directory: 409,
  busy: 409,
  conflict: 409,
  image_missing: 422,
  user_missing: 422,
  policy_refused: 403,
  docker_unreachable: 503,
  // The engine answers only once the user trusts its key (unknown) or sorts out a changed one.
  ssh_host_key_unknown: 503,
  ssh_host_key_changed: 503,
  backend_down: 503,
  docker_error: 502,
  hook_failed: 500,
  interrupted: 500,
  internal: 500,
};
