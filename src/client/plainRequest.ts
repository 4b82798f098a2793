import { connect } from 'node:net';

/** An answer read whole. */
export interface PlainAnswer {
  status: number;
  body: Buffer;
}

/**
 * One HTTP/1.1 request over a Unix socket with its answer read whole, for the
 * JSON and text calls that are most of what a CLI command sends. Spoken over
 * a plain socket rather than node:http: loading node:http's modules costs a
 * command's start some 12 ms here, about a tenth of a bare `node -e 0`. The
 * request asks the server to close the connection after the answer, so the
 * body is what a Content-Length gives, what a chunked answer carries, or else
 * everything until the close. Rejects with the socket's error, or one whose
 * message is `aborted` when the connection ends before the answer is whole.
 */
export function plainRequest(socketPath: string, method: string, path: string, payload?: string): Promise<PlainAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    let received = 0;
    let head: { status: number; bodyStart: number; length?: number; chunked: boolean } | undefined;
    const settle = (outcome: () => void): void => {
      socket.destroy();
      outcome();
    };
    const complete = (all: Buffer, ended: boolean): boolean => {
      if (!head) return false;
      const body = all.subarray(head.bodyStart);
      if (head.chunked) {
        const decoded = dechunk(body);
        if (decoded) settle(() => resolve({ status: head!.status, body: decoded }));
        return decoded !== undefined;
      }
      if (head.length !== undefined && body.length >= head.length) {
        settle(() => resolve({ status: head!.status, body: body.subarray(0, head!.length) }));
        return true;
      }
      if (head.length === undefined && ended) {
        settle(() => resolve({ status: head!.status, body }));
        return true;
      }
      return false;
    };
    socket.on('data', (chunk: Buffer) => {
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
    });
    socket.on('end', () => {
      try {
        if (complete(Buffer.concat(chunks, received), true)) return;
      } catch {
        // Said as below: the answer is not whole.
      }
      settle(() => reject(new Error('aborted')));
    });
    socket.on('error', (error) => settle(() => reject(error)));
    socket.once('connect', () => {
      const body = payload === undefined ? '' : payload;
      const headers = [
        `${method} ${path} HTTP/1.1`,
        'Host: drydock',
        'Connection: close',
        ...(payload === undefined ? [] : ['Content-Type: application/json']),
        `Content-Length: ${Buffer.byteLength(body)}`,
      ];
      // Not end(): a Node server takes a client's half-close as its going away, and drops the request.
      socket.write(`${headers.join('\r\n')}\r\n\r\n${body}`);
    });
  });
}

/** The status line and the headers that say where the body ends, once they are all in. */
function parseHead(data: Buffer): { status: number; bodyStart: number; length?: number; chunked: boolean } | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  let length: number | undefined;
  let chunked = false;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
  }
  return { status: Number.isFinite(status) ? status : 500, bodyStart: end + 4, ...(length !== undefined && !chunked ? { length } : {}), chunked };
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
