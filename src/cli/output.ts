import { writeSync } from 'node:fs';

/**
 * The CLI's stdout and stderr, written synchronously to the descriptors.
 * process.stdout on a pipe is a net.Socket made on first use: about 5 ms of a
 * 35 ms command here, and its writes are queued, so the exit had to wait for
 * them. A descriptor someone else left non-blocking (EAGAIN when the pipe is
 * full) is waited on; a reader that has gone (EPIPE, `drydock ls | head`) is
 * no error of ours: the command ends there, as a Unix tool would.
 *
 * `drydock shell` and `exec` stream into process.stdout instead (a terminal's
 * resizes, back-pressure): they call usesStreams(), and the exit waits for
 * those streams to drain.
 */

const PAUSE = new Int32Array(new SharedArrayBuffer(4));
let streams = false;

export function writeOut(text: string): void {
  write(1, text);
}

export function writeErr(text: string): void {
  write(2, text);
}

/** This command writes through process.stdout and process.stderr too. */
export function usesStreams(): void {
  streams = true;
}

/** Exits with `code` once what was written has reached the OS. */
export function exitWhenWritten(code: number): void {
  if (!streams) process.exit(code);
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => process.exit(code));
    stream.write('', done);
  }
}

function write(fd: number, text: string): void {
  let bytes = Buffer.from(text);
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(PAUSE, 0, 0, 1);
      else if (code === 'EPIPE' && fd === 1) process.exit(0);
      else return; // stderr gone or unwritable: nothing left to tell anyone
    }
  }
}
