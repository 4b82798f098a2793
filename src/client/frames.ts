/**
 * Docker's multiplexed stream format, relayed as is by the exec attach of a
 * session without a TTY: 8-byte headers (stream 1 stdout, 2 stderr, then a
 * big-endian length) before each chunk. Clients split it with this.
 */
export class FrameSplitter {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly onChunk: (stream: 'stdout' | 'stderr', chunk: Buffer) => void) {}

  push(data: Buffer): void {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    while (this.buffer.length >= 8) {
      const length = this.buffer.readUInt32BE(4);
      if (this.buffer.length < 8 + length) return;
      const stream = this.buffer[0] === 2 ? 'stderr' : 'stdout';
      this.onChunk(stream, this.buffer.subarray(8, 8 + length));
      this.buffer = this.buffer.subarray(8 + length);
    }
  }
}
