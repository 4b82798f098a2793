import type { Socket } from 'node:net';
import type { DrydockClient } from './drydockClient';

/** The login shell a terminal opens: bash where the image has it, else sh. */
export const LOGIN_SHELL = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi'];

export interface ExecSession {
  /** The raw stream: a TTY's bytes, or Docker's multiplexed frames without one (see frames.ts). */
  socket: Socket;
  resize(columns: number, rows: number): Promise<void>;
  /** The command's exit code, once the stream has ended and Docker has recorded it. */
  exitCode(): Promise<number>;
}

export interface ExecOptions {
  command: string[];
  tty: boolean;
  size?: { columns: number; rows: number } | undefined;
  env?: Record<string, string>;
  workingDir?: string;
}

/**
 * A process in a workspace, run by the backend as the workspace user: start,
 * attach and resize in one place for the CLI and the extension alike.
 */
export async function openExecSession(client: DrydockClient, workspace: string, options: ExecOptions): Promise<ExecSession> {
  const { execId } = await client.startExec(workspace, {
    command: options.command,
    tty: options.tty,
    stdin: true,
    ...(options.size ? { columns: options.size.columns, rows: options.size.rows } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.workingDir ? { workingDir: options.workingDir } : {}),
  });
  const socket = await client.attachExec(execId);
  return {
    socket,
    resize: async (columns, rows) => {
      await client.resizeExec(execId, columns, rows);
    },
    exitCode: () => exitCodeOf(client, execId),
  };
}

/** Docker records the exit code a moment after the stream ends: ask until it has (bounded), never guess 0. */
async function exitCodeOf(client: DrydockClient, execId: string): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const status = await client.execStatus(execId);
    if (!status.running && status.exitCode !== undefined) return status.exitCode;
    await new Promise((resolve) => setTimeout(resolve, Math.min(10 * (attempt + 1), 100)));
  }
  throw new Error(`the exit code of exec ${execId} was not recorded in time`);
}
