import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ApiErrorBody } from '../api/views';
import { DrydockError } from '../core/errors';
import { KeptConnection, plainRequest, plainStream } from './plainRequest';

/**
 * HTTP/JSON over the backend's Unix socket: plain requests, server-sent event
 * streams and upgraded exec streams. Untyped on purpose: DrydockClient types
 * every call by the endpoint table; tests use this to send what no client would.
 */
export class Transport {
  /** The connection the last JSON or text call left open, for the next (see KeptConnection). */
  private readonly kept = new KeptConnection();

  constructor(readonly socketPath: string) {}

  /** A JSON request; answers the parsed body, or throws the API's error as a DrydockError. */
  async json(method: string, path: string, body?: unknown, options: { repeatable?: boolean } = {}): Promise<unknown> {
    const text = await this.text(method, path, body, options);
    return text ? (JSON.parse(text) as unknown) : {};
  }

  /** A request whose answer is read whole as text (over a plain socket: see plainRequest). */
  async text(method: string, path: string, body?: unknown, options: { repeatable?: boolean } = {}): Promise<string> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const answer = await plainRequest(this.socketPath, method, path, payload, this.kept, options).catch((error: Error) => {
      throw unreachable(this.socketPath, error);
    });
    const text = answer.body.toString('utf8');
    if (answer.status >= 400) throw errorFromBody(answer.status, text);
    return text;
  }

  /** A streamed download: the answer's bytes as a stream, once the status says they are content. */
  async download(path: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const response = await this.send('GET', path, undefined, signal);
    if ((response.statusCode ?? 500) >= 400) throw errorFromBody(response.statusCode ?? 500, await readAll(response));
    return response;
  }

  /** A streamed upload (`application/octet-stream`, chunked) with a JSON answer. */
  async upload(path: string, content: Uint8Array | Readable): Promise<unknown> {
    const { request: httpRequest } = await loadHttp();
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = httpRequest({
        socketPath: this.socketPath,
        path,
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', ...(content instanceof Uint8Array ? { 'content-length': content.byteLength } : {}) },
      });
      request.on('response', resolve);
      request.on('error', (error) => reject(unreachable(this.socketPath, error)));
      if (content instanceof Uint8Array) request.end(content);
      else content.pipe(request);
    });
    const text = await readAll(response);
    if ((response.statusCode ?? 500) >= 400) throw errorFromBody(response.statusCode ?? 500, text);
    return text ? (JSON.parse(text) as unknown) : {};
  }

  /**
   * Follows a server-sent event stream until the server ends it or `signal`
   * aborts. Resolves when the stream ends; throws `backend_down` when the
   * backend goes away in the middle of it. Over a plain socket, like the JSON
   * calls (see plainStream): following a build is most of what `drydock
   * rebuild` does, and it then never loads node:http.
   */
  async stream(path: string, onEvent: (data: unknown, event: string) => void, signal?: AbortSignal): Promise<void> {
    const parser = new EventStreamParser(onEvent);
    // What the caller's handler throws is its own error, not the backend's going away.
    let thrown: unknown;
    const onBody = (bytes: Buffer): void => {
      try {
        parser.push(bytes);
      } catch (error) {
        thrown = error;
        throw error;
      }
    };
    const answer = await plainStream(this.socketPath, 'GET', path, onBody, { kept: this.kept, ...(signal ? { signal } : {}) }).catch((error: Error) => {
      throw error === thrown ? error : unreachable(this.socketPath, error);
    });
    if (answer.status >= 400) throw errorFromBody(answer.status, answer.body.toString('utf8'));
  }

  /**
   * Upgrades to a raw stream (an exec session). Spoken over a plain socket
   * rather than node:http, because editors patch node:http (proxy support) in
   * ways that can swallow an upgrade.
   */
  upgrade(path: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const lines = head.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(lines[0]?.split(' ')[1]);
        const rest = head.subarray(end + 4);
        if (status === 101) {
          if (rest.length > 0) socket.unshift(rest);
          resolve(socket);
          return;
        }
        // An error answer: its JSON body follows the headers.
        const body: Buffer[] = [rest];
        socket.on('data', (more: Buffer) => body.push(more));
        socket.on('end', () => reject(errorFromBody(status || 500, Buffer.concat(body).toString('utf8'))));
      };
      socket.on('data', onData);
      socket.once('error', (error) => reject(unreachable(this.socketPath, error)));
      socket.once('connect', () => socket.write(`POST ${path} HTTP/1.1\r\nHost: drydock\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`));
    });
  }

  private async send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
    const { request: httpRequest } = await loadHttp();
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request = httpRequest({
        socketPath: this.socketPath,
        // Our own connection, so no Agent: an Agent works out a TLS server name for every request, and its IPv6
        // check compiles a large regular expression, about 7 ms of a CLI command's start for nothing on a Unix socket.
        createConnection: () => connect(this.socketPath),
        path,
        method,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        ...(signal ? { signal } : {}),
      });
      request.on('response', resolve);
      request.on('error', (error) => reject(unreachable(this.socketPath, error)));
      request.end(payload);
    });
  }
}

/**
 * Splits a server-sent event stream into events. Bytes are decoded across
 * chunk boundaries, so a character split between two chunks stays whole.
 */
export class EventStreamParser {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';

  constructor(private readonly onEvent: (data: unknown, event: string) => void) {}

  push(chunk: Buffer): void {
    this.buffer += this.decoder.write(chunk);
    let boundary: number;
    while ((boundary = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, boundary);
      this.buffer = this.buffer.slice(boundary + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.onEvent(JSON.parse(data.join('\n')) as unknown, event);
    }
  }
}

/** node:http, loaded by downloads and uploads only (see plainRequest). */
function loadHttp(): Promise<typeof import('node:http')> {
  return import('node:http');
}

function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

function errorFromBody(status: number, text: string): DrydockError {
  try {
    const body = JSON.parse(text) as ApiErrorBody;
    return new DrydockError(body.error.code, body.error.message, body.error.field);
  } catch {
    return new DrydockError('internal', `the backend answered ${status}: ${text.slice(0, 200)}`);
  }
}

/** A backend that does not answer (no socket, nobody listening): the launcher starts one. */
export function isBackendDown(error: unknown): boolean {
  return error instanceof DrydockError && error.code === 'backend_down';
}

function unreachable(socketPath: string, error: Error & { code?: string }): DrydockError {
  if (error.name === 'AbortError') return new DrydockError('interrupted', 'cancelled');
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    // Not backend_down: starting a backend would not help, the socket (or its folder) is not this user's to open.
    const uid = process.getuid?.();
    return new DrydockError(
      'internal',
      `the Drydock backend's socket ${socketPath} exists but this user${uid === undefined ? '' : ` (uid ${uid})`} may not open it (${error.code}: permission denied): ` +
        `it or its folder belongs to another user or has the wrong permissions. Check with \`ls -l ${socketPath}\`; ` +
        'use a backend of your own (unset DRYDOCK_STATE_DIR, or set it to a folder of yours).',
    );
  }
  const down = error.code === 'ENOENT' || error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET' || error.message === 'aborted';
  return new DrydockError(
    down ? 'backend_down' : 'internal',
    `the Drydock backend at ${socketPath} does not answer (${error.code ?? error.message}); start it with \`drydock daemon start\`.`,
  );
}
