import { DrydockError } from './errors';

/** Parses `KEY=VALUE` pairs (CLI `--env`) into a record; the value may itself contain "=". */
export function parseEnvPairs(pairs: readonly string[], field = 'env'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new DrydockError('invalid_input', `${field}: "${pair}" is not KEY=VALUE; write it like --env EDITOR=vim.`, field);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}
