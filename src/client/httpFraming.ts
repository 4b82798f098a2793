/**
 * Where an HTTP/1.1 answer's head and body end, read as the bytes arrive:
 * the little of HTTP that plainRequest needs to speak it over a plain socket.
 */

const EMPTY: Buffer = Buffer.alloc(0);

export interface Head {
  status: number;
  bodyStart: number;
  length?: number;
  chunked: boolean;
  /** The server closes the connection after this answer. */
  close: boolean;
}

/** The status line and the headers that say where the body ends, once they are all in. */
export function parseHead(data: Buffer): Head | undefined {
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

/**
 * An answer's body as it arrives: handed to `sink` when there is one (a
 * stream), else gathered. `done` once HTTP says it is whole; `exact` while
 * nothing came after its end (only then may the connection carry another).
 */
export class BodyReader {
  done: boolean;
  exact = true;
  private readonly parts: Buffer[] = [];
  private left: number;
  private readonly chunks: Dechunker | undefined;

  constructor(
    private readonly head: Head,
    private readonly sink: ((bytes: Buffer) => void) | undefined,
  ) {
    this.chunks = head.chunked ? new Dechunker() : undefined;
    this.left = head.length ?? Infinity;
    this.done = this.left === 0;
  }

  /** Ends with the connection: neither a length nor chunks say where it ends. */
  get endsAtClose(): boolean {
    return !this.head.chunked && this.head.length === undefined;
  }

  push(bytes: Buffer): void {
    if (this.done) {
      if (bytes.length > 0) this.exact = false;
      return;
    }
    if (this.chunks) {
      this.done = this.chunks.push(bytes, this.take);
      if (this.done && this.chunks.extra > 0) this.exact = false;
      return;
    }
    const piece = bytes.length > this.left ? bytes.subarray(0, this.left) : bytes;
    if (piece.length > 0) this.take(piece);
    this.left -= piece.length;
    if (bytes.length > piece.length) this.exact = false;
    this.done = this.left === 0;
  }

  gathered(): Buffer {
    return this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
  }

  private readonly take = (bytes: Buffer): void => {
    if (this.sink) this.sink(bytes);
    else this.parts.push(bytes);
  };
}

/** A chunked body decoded as it arrives: each chunk's bytes are handed on as soon as they are in, not when the chunk is whole. */
class Dechunker {
  /** Bytes after the end (trailers included, they are read and dropped). */
  extra = 0;
  private pending = EMPTY;
  /** Bytes of the current chunk still to come, then the CRLF that closes it. */
  private left = 0;
  private crlf = 0;
  private trailers = false;

  /** True once the last chunk and the trailer section have come. */
  push(bytes: Buffer, take: (bytes: Buffer) => void): boolean {
    const data = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    this.pending = EMPTY;
    let at = 0;
    while (at < data.length) {
      if (this.left > 0) {
        const piece = data.subarray(at, at + this.left);
        take(piece);
        at += piece.length;
        this.left -= piece.length;
        if (this.left === 0) this.crlf = 2;
        continue;
      }
      if (this.crlf > 0) {
        const skipped = Math.min(this.crlf, data.length - at);
        at += skipped;
        this.crlf -= skipped;
        continue;
      }
      const lineEnd = data.indexOf('\r\n', at);
      if (lineEnd < 0) {
        this.pending = data.subarray(at);
        return false;
      }
      const line = data.subarray(at, lineEnd).toString('latin1');
      at = lineEnd + 2;
      if (this.trailers) {
        if (line !== '') continue;
        this.extra = data.length - at;
        return true;
      }
      // A size, perhaps followed by `;extensions`, which parseInt stops at.
      const size = parseInt(line, 16);
      if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunked answer');
      if (size === 0) this.trailers = true;
      else this.left = size;
    }
    return false;
  }
}
