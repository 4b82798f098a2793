import type { DrydockClient } from '../client/drydockClient';
import { openExecSession } from '../client/execSession';
import { FrameSplitter } from '../client/frames';
import { usesStreams } from './output';

/**
 * Runs a command in a workspace through the backend, wired to this
 * terminal: raw mode and resizes with a TTY, separate stdout/stderr without.
 * Resolves with the command's exit code.
 */
export async function runInTerminal(client: DrydockClient, workspace: string, command: string[], tty: boolean): Promise<number> {
  usesStreams();
  const size = tty && process.stdout.columns && process.stdout.rows ? { columns: process.stdout.columns, rows: process.stdout.rows } : undefined;
  const session = await openExecSession(client, workspace, { command, tty, size });
  const { socket } = session;
  // Node emits 'resize' on stdout when the terminal sends SIGWINCH.
  const resize = (): void => {
    if (process.stdout.columns && process.stdout.rows) void session.resize(process.stdout.columns, process.stdout.rows).catch(() => undefined);
  };
  // Raw mode needs a terminal on stdin; `exec --tty` with piped input has none.
  const rawMode = tty && process.stdin.isTTY;
  if (tty) {
    if (rawMode) process.stdin.setRawMode(true);
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
    if (rawMode) process.stdin.setRawMode(false);
    if (tty) process.stdout.off('resize', resize);
  }
  return session.exitCode();
}
