/**
 * A registry's `WWW-Authenticate` challenge (RFC 7235): the scheme, lowercased,
 * and its parameters, e.g. `Bearer realm="https://auth.docker.io/token",
 * service="registry.docker.io"` or `Basic realm="Registry"`. Registries send
 * one challenge, so only the first is read.
 */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenge(header: string): Challenge {
  const match = /^\s*([A-Za-z][\w-]*)\s*(.*)$/.exec(header);
  if (!match) return { scheme: '', params: {} };
  const params: Record<string, string> = {};
  // name="quoted, with \" escapes" or name=token, separated by commas.
  const param = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = match[2] ?? '';
  for (let found = param.exec(rest); found; found = param.exec(rest)) {
    params[(found[1] ?? '').toLowerCase()] = found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : (found[3] ?? '');
  }
  return { scheme: (match[1] ?? '').toLowerCase(), params };
}
