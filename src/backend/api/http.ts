import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GenericSchema, InferOutput } from 'valibot';
import { DrydockError, isDrydockError } from '../../core/errors';
import { validate } from '../../core/validation';
import { MAX_BODY_BYTES } from '../../api/endpoints';
import { STATUS_FOR } from '../../api/errorStatus';
import type { ApiErrorBody } from '../../api/views';

/** Request plumbing for the API server: bounded JSON bodies, schema checks, errors as JSON. */
export async function readJson(request: IncomingMessage): Promise<unknown> {
  if (declaresBody(request)) requireJsonType(request);
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const body = await readBounded(request);
  if (body.length === 0) return {};
  requireJsonType(request);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new DrydockError('invalid_input', `body: is not valid JSON (${(error as Error).message}); send a JSON object.`, 'body');
  }
}

/**
 * The body, refused past the limit. The rest of an oversized body is read and
 * dropped rather than the connection cut (leaving a `for await` early would
 * destroy the socket under a client still writing, which then sees a reset
 * instead of the 413).
 */
function readBounded(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over) return;
      if (size > MAX_BODY_BYTES) {
        over = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Whether the headers announce a body of some bytes (a chunked one may still be empty: readJson checks what came). */
export function declaresBody(request: IncomingMessage): boolean {
  return Number(request.headers['content-length'] ?? 0) > 0;
}

/** A body must say it is JSON: anything else (a form, text, no type at all) is refused with 415 before it is parsed. */
export function requireJsonType(request: IncomingMessage): void {
  const type = request.headers['content-type'];
  if ((type ?? '').split(';')[0].trim().toLowerCase() === 'application/json') return;
  const sent = type === undefined ? 'without a Content-Type' : `as "${type}"`;
  const error = new DrydockError('invalid_input', `content-type: the body was sent ${sent}; send JSON with Content-Type: application/json.`, 'content-type');
  (error as DrydockError & { status?: number }).status = 415;
  throw error;
}

/** A streamed upload must say it is bytes; JSON or a form sent there by mistake is refused with 415. */
export function requireOctetStream(request: IncomingMessage): void {
  const type = request.headers['content-type'];
  if ((type ?? '').split(';')[0].trim().toLowerCase() === 'application/octet-stream') return;
  const sent = type === undefined ? 'without a Content-Type' : `as "${type}"`;
  const error = new DrydockError(
    'invalid_input',
    `content-type: the content was sent ${sent}; send it with Content-Type: application/octet-stream.`,
    'content-type',
  );
  (error as DrydockError & { status?: number }).status = 415;
  throw error;
}

function tooLarge(): DrydockError {
  const error = new DrydockError('invalid_input', `body: is larger than ${MAX_BODY_BYTES} bytes; send a smaller request.`, 'body');
  (error as DrydockError & { status?: number }).status = 413;
  return error;
}

/** Validates a body with a protocol schema; the message names each bad field. */
export function parseBody<S extends GenericSchema>(schema: S, body: unknown): InferOutput<S> {
  const result = validate(schema, body);
  if (result.ok) return result.value;
  const problems = result.problems.map(({ path, message, unknownKey }) => ({
    field: path.map(String).join('.') || 'body',
    message: unknownKey && path.length === 1 ? 'is not a field of this request; remove it.' : message,
  }));
  throw new DrydockError('invalid_input', problems.map((problem) => `${problem.field}: ${problem.message}`).join('\n'), problems[0]?.field);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export function sendError(response: ServerResponse, error: unknown): void {
  const failure = isDrydockError(error) ? error : new DrydockError('internal', `internal error: ${(error as Error)?.message ?? String(error)}`);
  const status = (failure as DrydockError & { status?: number }).status ?? STATUS_FOR[failure.code];
  const body: ApiErrorBody = { error: { code: failure.code, message: failure.message, ...(failure.field ? { field: failure.field } : {}) } };
  if (response.headersSent) {
    response.end();
    return;
  }
  sendJson(response, status, body);
}

export interface EventStreamWriter {
  send(data: unknown, event?: string): void;
  /** Ends the stream after what is still waiting to be written. */
  end(): void;
}

/**
 * Events come in bursts (a build's steps end within milliseconds of each
 * other): each stream writes what gathered over this long at once. One write
 * per burst instead of one per event halved what 100 watching windows cost
 * the backend (each write is an HTTP chunk, a syscall and its callbacks).
 */
const BURST_MS = 10;

/** Starts a server-sent event stream; returns its writer and keeps the connection alive with comments. */
export function startEventStream(response: ServerResponse, onClose: () => void): EventStreamWriter {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  response.write(': drydock\n\n');
  // A comment every 25 s keeps proxies and idle timeouts from closing a quiet stream.
  const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 25_000);
  keepAlive.unref();
  let pending = '';
  let burst: NodeJS.Timeout | undefined;
  const flush = (): void => {
    clearTimeout(burst);
    burst = undefined;
    if (pending !== '' && response.writable) response.write(pending);
    pending = '';
  };
  const close = (): void => {
    clearInterval(keepAlive);
    clearTimeout(burst);
    onClose();
  };
  // The response closes when the client goes away (a request's own 'close' only means its body was read).
  response.on('close', close);
  return {
    send: (data, event) => {
      burst ??= setTimeout(flush, BURST_MS);
      pending += `${event ? `event: ${event}\n` : ''}data: ${eventText(data)}\n\n`;
    },
    end: () => {
      flush();
      response.end();
    },
  };
}

/**
 * An event's JSON, made once however many streams carry it: the feed hands
 * every client the same object (100 windows were 100 serializations of each
 * event). Sound because a wire event is made to be sent and never changed after.
 */
const sentEvents = new WeakMap<object, string>();
export function eventText(data: unknown): string {
  if (typeof data !== 'object' || data === null) return JSON.stringify(data);
  let text = sentEvents.get(data);
  if (text === undefined) {
    text = JSON.stringify(data);
    sentEvents.set(data, text);
  }
  return text;
}
