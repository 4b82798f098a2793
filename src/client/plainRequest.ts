import { connect, type Socket } from 'node:net';
import { BodyReader, parseHead, type Head } from './httpFraming';

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
export function plainRequest(
  socketPath: string,
  method: string,
  path: string,
  payload?: string,
  kept?: KeptConnection,
  options: { repeatable?: boolean } = {},
): Promise<PlainAnswer> {
  return request(socketPath, { method, path, payload, repeatable: options.repeatable === true || method === 'GET' }, kept);
}

/**
 * A request whose successful answer (status under 400) is streamed: its body's
 * bytes go to `onBody` as they arrive (a chunked answer decoded), and the
 * promise resolves, with an empty body, once the answer ends as HTTP says it
 * does (a server-sent event stream: its last chunk). An error answer is read
 * whole, as by plainRequest. The connection ending before that rejects as
 * plainRequest does (`aborted`): a backend that died mid-stream is an error,
 * never a stream that quietly ended. `signal` stops the request: before the
 * answer's head it rejects with an AbortError, after it the promise resolves.
 * What `onBody` throws ends the request with that error.
 */
export function plainStream(
  socketPath: string,
  method: string,
  path: string,
  onBody: (bytes: Buffer) => void,
  options: { kept?: KeptConnection; signal?: AbortSignal } = {},
): Promise<PlainAnswer> {
  return request(socketPath, { method, path, onBody, repeatable: method === 'GET', ...(options.signal ? { signal: options.signal } : {}) }, options.kept);
}

interface Outgoing {
  method: string;
  path: string;
  payload?: string | undefined;
  onBody?: (bytes: Buffer) => void;
  signal?: AbortSignal;
  /** Sending it twice does what sending it once does (a GET, a heartbeat). */
  repeatable: boolean;
}

async function request(socketPath: string, outgoing: Outgoing, kept: KeptConnection | undefined): Promise<PlainAnswer> {
  if (outgoing.signal?.aborted) throw abortError();
  // A kept connection the backend closed meanwhile fails a request before any answer, and the request is then sent again
  // on a new one. The backend may have received it before it closed (or died): only a request that may be sent twice
  // goes on a kept connection; a rebuild, a create or a delete always opens its own, so it is never sent twice.
  const reused = outgoing.repeatable ? kept?.take() : undefined;
  if (reused) {
    try {
      return await exchange(reused, true, outgoing, kept);
    } catch (error) {
      if (!(error as { unanswered?: boolean }).unanswered) throw error;
    }
  }
  return exchange(connect(socketPath), false, outgoing, kept);
}

const EMPTY: Buffer = Buffer.alloc(0);

function exchange(socket: Socket, open: boolean, outgoing: Outgoing, kept: KeptConnection | undefined): Promise<PlainAnswer> {
  const { method, path, payload, signal } = outgoing;
  return new Promise((resolve, reject) => {
    let received = 0;
    let early = EMPTY;
    let head: Head | undefined;
    let body: BodyReader | undefined;
    const settle = (outcome: () => void, keep = false): void => {
      socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError).off('connect', send);
      signal?.removeEventListener('abort', onAbort);
      if (keep && kept) kept.keep(socket);
      else socket.destroy();
      outcome();
    };
    const answer = (): PlainAnswer => ({ status: head!.status, body: body!.gathered() });
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      try {
        let bytes = chunk;
        if (!head) {
          early = early.length === 0 ? chunk : Buffer.concat([early, chunk]);
          head = parseHead(early);
          if (!head) return;
          body = new BodyReader(head, head.status < 400 ? outgoing.onBody : undefined);
          bytes = early.subarray(head.bodyStart);
          early = EMPTY;
        }
        body!.push(bytes);
        if (body!.done) settle(() => resolve(answer()), !head.close && body!.exact);
      } catch (error) {
        settle(() => reject(error instanceof Error ? error : new Error(String(error))));
      }
    };
    // A kept connection the backend closed meanwhile: nothing of this request was answered, so it may be sent again.
    const unanswered = (error: Error): Error => (open && received === 0 ? Object.assign(error, { unanswered: true }) : error);
    // An answer without a length or chunks ends with the connection; any other is cut short.
    const onEnd = (): void => settle(() => (body?.endsAtClose ? resolve(answer()) : reject(unanswered(new Error('aborted')))));
    const onError = (error: Error): void => settle(() => reject(unanswered(error)));
    const onAbort = (): void => settle(() => (head ? resolve({ status: head.status, body: EMPTY }) : reject(abortError())));
    const send = (): void => {
      const text = payload === undefined ? '' : payload;
      const headers = [
        `${method} ${path} HTTP/1.1`,
        'Host: drydock',
        kept ? 'Connection: keep-alive' : 'Connection: close',
        ...(payload === undefined ? [] : ['Content-Type: application/json']),
        `Content-Length: ${Buffer.byteLength(text)}`,
      ];
      // Not end(): a Node server takes a client's half-close as its going away, and drops the request.
      socket.write(`${headers.join('\r\n')}\r\n\r\n${text}`);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    // A close without an end or an error (a socket destroyed from elsewhere) must not leave the request waiting.
    socket.on('close', onEnd);
    socket.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (open) send();
    else socket.once('connect', send);
  });
}

function abortError(): Error {
  return Object.assign(new Error('the request was cancelled'), { name: 'AbortError' });
}
