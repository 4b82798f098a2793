import type Dockerode from 'dockerode';
import { Transform, type Duplex, type Readable, type TransformCallback } from 'node:stream';
import { dockerFailure } from './errors';

export interface ScriptOptions {
  /** The user the script runs as (never root for workspace files: the kernel then enforces that user's rights). */
  user: string;
  /** Keep stdin open for the caller to write (a file's new content). */
  stdin?: boolean;
}

/** A shell script running in a container, its stdout a stream with backpressure. */
export interface RunningScript {
  /** The script's stdin (only with `stdin: true`); end it to close the script's stdin. */
  stdin: Duplex | undefined;
  /** stdout, demultiplexed; reading it slowly slows the script down rather than filling memory. */
  stdout: Readable;
  /** Resolves when the script has ended: its exit code and the start of its stderr. */
  finished: Promise<{ exitCode: number; stderr: string }>;
  /** Hangs up (the process may live on until its next write). */
  abort(): void;
}

/** Enough of stderr to say what failed; a script that floods it is not kept whole. */
const MAX_STDERR = 16 * 1024;

/**
 * Runs `/bin/sh -c script drydock args...` in a running container. The
 * arguments travel as argv, never through a shell's parsing, so a name with
 * spaces, quotes, newlines or a leading dash arrives as it is.
 */
export async function runScript(docker: Dockerode, containerId: string, script: string, args: string[], options: ScriptOptions): Promise<RunningScript> {
  let exec: Dockerode.Exec;
  let socket: Duplex;
  try {
    exec = await docker.getContainer(containerId).exec({
      Cmd: ['/bin/sh', '-c', script, 'drydock', ...args],
      User: options.user,
      AttachStdin: options.stdin ?? false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    socket = await exec.start({ hijack: true, stdin: options.stdin ?? false });
  } catch (error) {
    throw dockerFailure(error, 'running a file operation in the workspace');
  }
  const demux = new Demultiplexer();
  socket.on('error', (error) => demux.destroy(error));
  socket.pipe(demux);
  // A reader that gives up (a client gone mid-download) hangs up on the process too.
  demux.once('close', () => socket.destroy());
  const finished = (async () => {
    await new Promise<void>((resolve) => {
      // The socket ends when the process has closed its output; whoever reads stdout decides the pace until then.
      socket.once('close', () => resolve());
      socket.once('end', () => resolve());
    });
    for (let attempt = 0; ; attempt++) {
      const info = await exec.inspect().catch(() => undefined);
      // The stream can end a moment before Docker records the exit code.
      if (!info || !info.Running || attempt >= 200) return { exitCode: info?.ExitCode ?? -1, stderr: demux.stderr };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    stdin: options.stdin ? socket : undefined,
    stdout: demux,
    finished,
    abort: () => socket.destroy(),
  };
}

/**
 * Splits Docker's multiplexed exec stream (8-byte headers: stream, then a
 * big-endian length) into stdout, passed on as a stream, and stderr, kept
 * (bounded). Unlike dockerode's demuxStream it honours backpressure.
 */
class Demultiplexer extends Transform {
  stderr = '';
  private pending: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (data.length >= 8) {
      const length = data.readUInt32BE(4);
      if (data.length < 8 + length) break;
      const payload = data.subarray(8, 8 + length);
      if (data[0] === 2) {
        if (this.stderr.length < MAX_STDERR) this.stderr += payload.toString('utf8');
      } else this.push(payload);
      data = data.subarray(8 + length);
    }
    // A partial frame waits for its rest; a copy, so the big chunk it came in can be freed.
    this.pending = Buffer.from(data);
    callback();
  }
}
