import type Dockerode from 'dockerode';
import type { Duplex } from 'node:stream';
import { dockerFailure } from './errors';

export interface InteractiveExecOptions {
  command: string[];
  user: string;
  tty: boolean;
  stdin: boolean;
  env?: Record<string, string>;
  workingDir?: string;
}

export interface InteractiveExec {
  id: string;
  /**
   * The process's raw stream: with a TTY the terminal's bytes both ways;
   * without one, stdin in and Docker's multiplexed stdout/stderr frames out.
   */
  attach(): Promise<Duplex>;
  resize(columns: number, rows: number): Promise<void>;
  status(): Promise<{ running: boolean; exitCode?: number }>;
}

/** An exec that a user drives (a shell, `drydock exec`), relayed by the backend to its client. */
export async function createInteractiveExec(docker: Dockerode, containerId: string, options: InteractiveExecOptions): Promise<InteractiveExec> {
  let exec: Dockerode.Exec;
  try {
    exec = await docker.getContainer(containerId).exec({
      Cmd: options.command,
      AttachStdin: options.stdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: options.tty,
      User: options.user,
      ...(options.workingDir ? { WorkingDir: options.workingDir } : {}),
      ...(options.env ? { Env: Object.entries(options.env).map(([key, value]) => `${key}=${value}`) } : {}),
    });
  } catch (error) {
    throw dockerFailure(error, `starting ${options.command[0] ?? 'a command'} in the workspace`);
  }
  return {
    id: exec.id,
    attach: async () => await exec.start({ hijack: true, stdin: options.stdin, Tty: options.tty }),
    resize: async (columns, rows) => {
      await exec.resize({ w: columns, h: rows }).catch(() => undefined);
    },
    status: async () => {
      const info = await exec.inspect();
      return { running: info.Running, ...(info.ExitCode !== null && !info.Running ? { exitCode: info.ExitCode } : {}) };
    },
  };
}
