import { parseDuration } from './duration';
import { invalid } from './errors';
import { WORKSPACE_NAME } from './names';

/**
 * The file protocol between the `drydock` command inside a workspace and the
 * backend (docs/behaviour.md, "Drydock inside the workspace"). The command is
 * POSIX sh, so both directions are plain `key=value` lines: a request is one
 * small file, an answer is a code, a few fields and text lines prefixed `| `.
 * Everything here is pure, and everything in a request is hostile input.
 */

/** A request larger than this is not read: no legitimate one comes close. */
export const MAX_REQUEST_BYTES = 4096;
export const PROTOCOL_VERSION = '1';

export type InsideOp = 'status' | 'heartbeat' | 'extend' | 'hold' | 'renew' | 'release';

export type InsideRequest =
  | { op: 'status' | 'heartbeat' }
  | { op: 'extend'; durationMs: number }
  | { op: 'extend'; untilText: string }
  | { op: 'hold'; holder: string; pipe: string }
  | { op: 'renew' | 'release'; lease: string };

export interface ParsedRequest {
  token: string;
  workspace: string;
  /** The container's UTC offset in minutes (`date +%z`), so times read as the user's clock does. */
  zoneOffsetMinutes: number;
  request: InsideRequest;
}

/** Names the command may give its files: no slash, no dot-dot, nothing to interpret. */
export const REQUEST_FILE = /^req-[A-Za-z0-9_-]{1,64}$/;
export const PIPE_FILE = /^lease-[A-Za-z0-9_-]{1,64}$/;
const LEASE_ID = /^[0-9a-f]{16}$/;
const TOKEN = /^[0-9a-f]{64}$/;
const ZONE = /^([+-])(\d\d)(\d\d)$/;

/** Parses a request file's text; throws `invalid_input` naming the bad field. The token is never echoed. */
export function parseInsideRequest(text: string): ParsedRequest {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const equals = line.indexOf('=');
    if (equals <= 0) throw invalid('request', 'every line must be key=value; use the drydock command, which writes requests for you.');
    const key = line.slice(0, equals);
    if (fields.has(key)) throw invalid(key, `${key} is given twice.`);
    fields.set(key, line.slice(equals + 1));
  }
  const field = (key: string): string => {
    const value = fields.get(key);
    if (value === undefined) throw invalid(key, `${key} is missing; use the drydock command, which writes requests for you.`);
    return value;
  };
  if (field('v') !== PROTOCOL_VERSION)
    throw invalid('v', `protocol version ${field('v')} is not understood; rebuild the workspace for a matching drydock command.`);
  const token = field('token');
  if (!TOKEN.test(token)) throw invalid('token', 'the token is not in the expected form; rebuild the workspace for a fresh one.');
  const workspace = field('workspace');
  if (!WORKSPACE_NAME.test(workspace)) throw invalid('workspace', `"${printable(workspace)}" is not a workspace name.`);
  const zoneOffsetMinutes = parseZone(fields.get('zone') ?? '+0000');
  const op = field('op');
  let request: InsideRequest;
  switch (op) {
    case 'status':
    case 'heartbeat':
      request = { op };
      break;
    case 'extend': {
      const until = fields.get('until');
      request = until !== undefined ? { op, untilText: until } : { op, durationMs: parseDuration(field('by'), 'by') };
      break;
    }
    case 'hold': {
      const pipe = field('pipe');
      if (!PIPE_FILE.test(pipe)) throw invalid('pipe', 'the keepalive pipe name is not in the expected form.');
      request = { op, holder: holderText(field('holder')), pipe };
      break;
    }
    case 'renew':
    case 'release': {
      const lease = field('lease');
      if (!LEASE_ID.test(lease)) throw invalid('lease', 'the lease id is not in the expected form.');
      request = { op, lease };
      break;
    }
    default:
      throw invalid('op', `"${printable(op)}" is not something drydock does here; run drydock --help.`);
  }
  return { token, workspace, zoneOffsetMinutes, request };
}

/** The answer file: `code=N` first (0 done, 1 refused or failed), then fields, then text lines the command prints. */
export function formatAnswer(code: 0 | 1, lines: readonly string[], fields: Record<string, string> = {}): string {
  const out = [`code=${code}`, ...Object.entries(fields).map(([key, value]) => `${key}=${printable(value)}`)];
  for (const line of lines) for (const part of line.split('\n')) out.push(`| ${printable(part)}`);
  return `${out.join('\n')}\n`;
}

/**
 * "18:30" on the container's clock: the next such instant, today or
 * tomorrow. The container may keep another zone than the host's, so its
 * offset comes with the request.
 */
export function nextTimeAtOffset(text: string, zoneOffsetMinutes: number, now: number): number {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!match) throw invalid('until', `"${printable(text)}" is not a time of day; give a 24-hour time such as 18:30.`);
  const offsetMs = zoneOffsetMinutes * 60_000;
  const local = new Date(now + offsetMs);
  let until = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), Number(match[1]), Number(match[2])) - offsetMs;
  if (until <= now) until += 86_400_000;
  return until;
}

/** An instant as the container's clock shows it: `18:30 (+0100)`, with the date when it is not today there. */
export function clockTime(at: number, zoneOffsetMinutes: number, now: number): string {
  const offsetMs = zoneOffsetMinutes * 60_000;
  const local = new Date(at + offsetMs).toISOString();
  const today = new Date(now + offsetMs).toISOString().slice(0, 10);
  const sign = zoneOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(zoneOffsetMinutes);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${local.slice(0, 10) === today ? '' : `${local.slice(0, 10)} `}${local.slice(11, 16)} (${zone})`;
}

/** The command a lease is held for, as shown in `status` and the tree: one line, printable, bounded. */
export function holderText(text: string): string {
  const flat = printable(text.replace(/\s+/g, ' ')).trim();
  if (flat === '') throw invalid('holder', 'the command is empty; give one after --.');
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}

function parseZone(text: string): number {
  const match = ZONE.exec(text);
  if (!match) throw invalid('zone', `"${printable(text)}" is not a UTC offset such as +0100.`);
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  if (minutes > 14 * 60) throw invalid('zone', `${text} is not a real UTC offset.`);
  return match[1] === '-' ? -minutes : minutes;
}

/** Control characters would let a request or an answer forge lines (or terminal escapes); they become `?`. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
