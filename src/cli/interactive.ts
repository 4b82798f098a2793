import type { ApiClient } from '../backend/api/client';
import { FrameSplitter } from '../backend/api/frames';
import { paths, type ExecStatus } from '../backend/api/protocol';

/**
 * Runs a command in a workspace through the backend, wired to this
 * terminal: raw mode and resizes with a TTY, separate stdout/stderr without.
 * Resolves with the command's exit code.
 */
export async function runInWorkspace(client: ApiClient, workspace: string, command: string[], tty: boolean): Promise<number> {
  const size = tty && process.stdout.columns && process.stdout.rows ? { columns: process.stdout.columns, rows: process.stdout.rows } : {};
  const { execId } = await client.request<{ execId: string }>('POST', paths.exec(workspace), { command, tty, stdin: true, ...size });
  const socket = await client.attach(paths.execAttach(execId));
  const resize = (): void => {
    void client.request('POST', paths.execResize(execId), { columns: process.stdout.columns, rows: process.stdout.rows }).catch(() => undefined);
  };
  if (tty) {
    process.stdin.setRawMode(true);
    process.stdout.on('resize', resize);
    socket.pipe(process.stdout, { end: false });
  } else {
    const frames = new FrameSplitter((stream, chunk) => (stream === 'stderr' ? process.stderr : process.stdout).write(chunk));
    socket.on('data', (chunk: Buffer) => frames.push(chunk));
  }
  process.stdin.pipe(socket);
  try {
    await new Promise<void>((resolve) => {
      socket.on('end', resolve);
      socket.on('close', resolve);
      socket.on('error', () => resolve());
    });
  } finally {
    process.stdin.unpipe(socket);
    process.stdin.pause();
    if (tty) {
      process.stdin.setRawMode(false);
      process.stdout.off('resize', resize);
    }
  }
  return exitCode(client, execId);
}

/** The exit code, once Docker has recorded it (a moment after the stream ends). */
async function exitCode(client: ApiClient, execId: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const status = await client.request<ExecStatus>('GET', paths.execStatus(execId));
    if (!status.running && status.exitCode !== undefined) return status.exitCode;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return 1;
}
