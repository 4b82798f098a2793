import { connect, type Socket } from 'node:net';

/** An answer read whole. */
export interface PlainAnswer {
  status: number;
  body: Buffer;
}

/** How long an idle connection is kept: under the backend's 5 s keep-alive, so the backend never closes one as it is reused. */
const KEEP_IDLE_MS = 4000;

/**
 * One idle connection kept for a client's next request: a window's
 * heartbeats then cost the backend a request each, not a connection set up
 * and torn down each (most of what 100 heartbeats a second cost it).
 * Unreferenced while idle, so it never holds a process open.
 */
export class KeptConnection {
  private idle: { socket: Socket; timer: NodeJS.Timeout; drop: () => void } | undefined;

  take(): Socket | undefined {
    const idle = this.idle;
    if (!idle) return undefined;
    this.idle = undefined;
    clearTimeout(idle.timer);
    idle.socket.off('close', idle.drop).off('end', idle.drop).off('error', idle.drop);
    idle.socket.ref();
    return idle.socket;
  }

  keep(socket: Socket): void {
    this.take()?.destroy();
    socket.unref();
    const drop = (): void => {
      if (this.idle?.socket === socket) this.take();
      socket.destroy();
    };
    const timer = setTimeout(drop, KEEP_IDLE_MS).unref();
    socket.on('close', drop).on('end', drop).on('error', drop);
    this.idle = { socket, timer, drop };
  }
}

/**
 * One HTTP/1.1 request over a Unix socket with its answer read whole, for the
 * JSON and text calls that are most of what a CLI command sends. Spoken over
 * a plain socket rather than node:http: loading node:http's modules costs a
 * command's start some 12 ms here, about a tenth of a bare `node -e 0`.
 * Without `kept` the request asks the server to close the connection after
 * the answer, so the body is what a Content-Length gives, what a chunked
 * answer carries, or else everything until the close. With `kept`, the
 * connection stays open when the answer says where it ends, for the next
 * request; a kept connection that turns out closed before any answer is
 * replaced by a new one, once. Rejects with the socket's error, or one whose
 * message is `aborted` when the connection ends before the answer is whole.
 */
export async function plainRequest(socketPath: string, method: string, path: string, payload?: string, kept?: KeptConnection): Promise<PlainAnswer> {
  const reused = kept?.take();
  if (reused) {
    try {
      return await exchange(reused, true, method, path, payload, kept);
    } catch (error) {
      if (!(error as { unanswered?: boolean }).unanswered) throw error;
    }
  }
  return exchange(connect(socketPath), false, method, path, payload, kept);
}

function exchange(
  socket: Socket,
  open: boolean,
  method: string,
  path: string,
  payload: string | undefined,
  kept: KeptConnection | undefined,
): Promise<PlainAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let head: Head | undefined;
    const settle = (outcome: () => void, keep = false): void => {
      socket.off('data', onData).off('end', onEnd).off('error', onError).off('connect', send);
      if (keep && kept) kept.keep(socket);
      else socket.destroy();
      outcome();
    };
    const complete = (all: Buffer, ended: boolean): boolean => {
      if (!head) return false;
      const body = all.subarray(head.bodyStart);
      const reusable = !ended && !head.close;
      if (head.chunked) {
        const decoded = dechunk(body);
        if (decoded) settle(() => resolve({ status: head!.status, body: decoded }), reusable);
        return decoded !== undefined;
      }
      if (head.length !== undefined && body.length >= head.length) {
        settle(() => resolve({ status: head!.status, body: body.subarray(0, head!.length) }), reusable && body.length === head.length);
        return true;
      }
      if (head.length === undefined && ended) {
        settle(() => resolve({ status: head!.status, body }));
        return true;
      }
      return false;
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      const all = chunks.length === 1 ? chunk : Buffer.concat(chunks, received);
      if (chunks.length > 1) chunks.splice(0, chunks.length, all);
      try {
        head ??= parseHead(all);
        complete(all, false);
      } catch (error) {
        settle(() => reject(error instanceof Error ? error : new Error(String(error))));
      }
    };
    // A kept connection the backend closed meanwhile: nothing of this request was answered, so it may be sent again.
    const unanswered = (error: Error): Error => (open && received === 0 ? Object.assign(error, { unanswered: true }) : error);
    const onEnd = (): void => {
      try {
        if (complete(Buffer.concat(chunks, received), true)) return;
      } catch {
        // Said as below: the answer is not whole.
      }
      settle(() => reject(unanswered(new Error('aborted'))));
    };
    const onError = (error: Error): void => settle(() => reject(unanswered(error)));
    const send = (): void => {
      const body = payload === undefined ? '' : payload;
      const headers = [
        `${method} ${path} HTTP/1.1`,
        'Host: drydock',
        kept ? 'Connection: keep-alive' : 'Connection: close',
        ...(payload === undefined ? [] : ['Content-Type: application/json']),
        `Content-Length: ${Buffer.byteLength(body)}`,
      ];
      // Not end(): a Node server takes a client's half-close as its going away, and drops the request.
      socket.write(`${headers.join('\r\n')}\r\n\r\n${body}`);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    if (open) send();
    else socket.once('connect', send);
  });
}

interface Head {
  status: number;
  bodyStart: number;
  length?: number;
  chunked: boolean;
  /** The server closes the connection after this answer. */
  close: boolean;
}

/** The status line and the headers that say where the body ends, once they are all in. */
function parseHead(data: Buffer): Head | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  let length: number | undefined;
  let chunked = false;
  let close = false;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
    else if (name === 'connection') close = value.toLowerCase() === 'close';
  }
  return { status: Number.isFinite(status) ? status : 500, bodyStart: end + 4, ...(length !== undefined && !chunked ? { length } : {}), chunked, close };
}

/** A chunked body decoded, or undefined while its last chunk has not arrived. */
function dechunk(body: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) throw new Error('malformed chunked answer');
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (body.length < start + size + 2) return undefined;
    parts.push(body.subarray(start, start + size));
    at = start + size + 2;
  }
}
