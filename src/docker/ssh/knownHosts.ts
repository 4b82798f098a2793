/**
 * OpenSSH's known_hosts, read the way `ssh` reads it: plain and hashed
 * (`|1|salt|hmac`) host names, `[host]:port` for a port other than 22,
 * comma-separated names, `*`/`?` patterns with `!` negation, and the
 * `@revoked` marker. `@cert-authority` lines are skipped: Drydock does not
 * verify host certificates, so a host known only through a CA is "unknown".
 */
import { createHash, createHmac } from 'node:crypto';

export type HostKeyStatus = 'known' | 'unknown' | 'changed' | 'revoked';

export interface KnownHostKey {
  /** e.g. ssh-ed25519 */
  type: string;
  /** The key's wire form (what `ssh2` hands the host verifier). */
  key: Buffer;
}

export interface HostKeyVerdict {
  status: HostKeyStatus;
  /** The key types this file knows for the host (to prefer them in the handshake, as OpenSSH does). */
  knownTypes: string[];
}

/** The name known_hosts stores: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:...` as `ssh-keygen -lf` prints it (unpadded base64 of the key's SHA-256). */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name a wire-form key starts with (a length-prefixed string). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return length > 0 && length < 64 && key.length >= 4 + length ? key.toString('ascii', 4, 4 + length) : 'unknown';
}

/** How the host's presented key stands against the file's text. */
export function checkHostKey(text: string, host: string, port: number, presented: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const knownTypes = new Set<string>();
  let matched = false;
  let revoked = false;
  for (const entry of parseKnownHosts(text)) {
    if (entry.marker === 'cert-authority') continue;
    const sameKey = entry.key.equals(presented);
    if (entry.marker === 'revoked') {
      // A revoked key is refused for every host, as in OpenSSH.
      if (sameKey) revoked = true;
      continue;
    }
    if (!hostsMatch(entry.hosts, name)) continue;
    knownTypes.add(entry.type);
    if (sameKey) matched = true;
  }
  const types = [...knownTypes];
  if (revoked) return { status: 'revoked', knownTypes: types };
  if (matched) return { status: 'known', knownTypes: types };
  return { status: types.length > 0 ? 'changed' : 'unknown', knownTypes: types };
}

/** The line to append when the user trusts a key. */
export function knownHostsLine(host: string, port: number, key: Buffer): string {
  return `${knownHostsName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
}

interface Entry {
  marker?: 'revoked' | 'cert-authority';
  hosts: string;
  type: string;
  key: Buffer;
}

function parseKnownHosts(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: Entry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() === '@revoked' ? 'revoked' : 'cert-authority';
    const [hosts, type, base64] = fields;
    if (!hosts || !type || !base64) continue;
    const key = Buffer.from(base64, 'base64');
    if (key.length === 0) continue;
    entries.push({ marker, hosts, type, key });
  }
  return entries;
}

/** One entry's host field against the name: a hashed name, or a pattern list where a negated match vetoes. */
function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) return hashedMatch(hosts, name);
  let positive = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) positive = true;
  }
  return positive;
}

function hashedMatch(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (!salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

function globMatch(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(name);
}
