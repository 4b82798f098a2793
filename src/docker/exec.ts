import type Dockerode from 'dockerode';
import { Writable } from 'node:stream';
import { dockerFailure } from './errors';
import type { ExecOptions, OutputStream } from './types';

/**
 * Runs a command in a running container and resolves with its exit code once
 * its output has ended. stdout and stderr arrive demultiplexed, as raw chunks.
 */
export async function execInContainer(docker: Dockerode, containerId: string, command: string[], options: ExecOptions = {}): Promise<number> {
  try {
    const exec = await docker.getContainer(containerId).exec({
      Cmd: command,
      AttachStdout: true,
      AttachStderr: true,
      ...(options.user !== undefined ? { User: options.user } : {}),
      ...(options.workingDir !== undefined ? { WorkingDir: options.workingDir } : {}),
      ...(options.env ? { Env: Object.entries(options.env).map(([key, value]) => `${key}=${value}`) } : {}),
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    let abandoned = false;
    await new Promise<void>((resolve, reject) => {
      const hangUp = (): void => {
        abandoned = true;
        (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
        resolve();
      };
      if (options.signal?.aborted) return hangUp();
      options.signal?.addEventListener('abort', hangUp, { once: true });
      docker.modem.demuxStream(stream, sink('stdout', options.onOutput), sink('stderr', options.onOutput));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', (error) => (abandoned ? resolve() : reject(error)));
    });
    if (abandoned) return -1;
    // The stream can end a moment before Docker records the exit code.
    for (let attempt = 0; ; attempt++) {
      const info = await exec.inspect();
      if (!info.Running || attempt >= 100) return info.ExitCode ?? -1;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } catch (error) {
    throw dockerFailure(error, `running ${command[0] ?? 'a command'} in the workspace`);
  }
}

function sink(stream: OutputStream, onOutput: ExecOptions['onOutput']): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      onOutput?.(stream, chunk);
      callback();
    },
  });
}
