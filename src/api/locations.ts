/**
 * Where the per-user backend keeps its state, logs, lock and API socket.
 * Every client (extension windows, CLI) resolves the same paths from the same
 * environment, which is how they find the one daemon without a registry.
 */
import os from 'node:os';
import path from 'node:path';
import { DrydockError, invalid } from '../core/errors';

export interface BackendLocations {
  stateDir: string;
  stateFile: string;
  logsDir: string;
  dotfilesDir: string;
  lockFile: string;
  socketDir: string;
  socketPath: string;
  daemonLog: string;
}

type Env = Record<string, string | undefined>;

export function resolveLocations(env: Env = process.env, home: string = os.homedir(), platform: NodeJS.Platform = process.platform): BackendLocations {
  // Resolve with the target platform's rules so tests can ask for win32 paths on Linux.
  const p = platform === 'win32' ? path.win32 : path.posix;
  const override = nonEmpty(env.DRYDOCK_STATE_DIR);
  let stateDir: string;
  if (override !== undefined) {
    if (!p.isAbsolute(override)) {
      throw invalid('DRYDOCK_STATE_DIR', `must be an absolute path, got "${override}"; set it to a full path such as ${p.join(home, 'drydock-test')}.`);
    }
    stateDir = p.resolve(override);
  } else {
    // The XDG spec says relative values are invalid and must be ignored.
    const xdgState = absolute(p, env.XDG_STATE_HOME);
    stateDir = xdgState !== undefined ? p.join(xdgState, 'drydock') : p.join(home, '.local', 'state', 'drydock');
  }

  // DRYDOCK_STATE_DIR moves the socket too, so a test or a second install
  // side by side never talks to (or fights over) the user's real daemon.
  const runtimeDir = override === undefined ? absolute(p, env.XDG_RUNTIME_DIR) : undefined;
  const socketDir = runtimeDir !== undefined ? p.join(runtimeDir, 'drydock') : p.join(stateDir, 'run');
  const socketPath = platform === 'win32' ? `\\\\.\\pipe\\drydock-${pipeSuffix(env, stateDir, override !== undefined)}` : p.join(socketDir, 'api.sock');
  if (platform !== 'win32') checkSocketPath(socketPath, platform);

  return {
    stateDir,
    stateFile: p.join(stateDir, 'state.json'),
    logsDir: p.join(stateDir, 'logs'),
    dotfilesDir: p.join(stateDir, 'dotfiles'),
    lockFile: p.join(stateDir, 'daemon.lock'),
    socketDir,
    socketPath,
    daemonLog: p.join(stateDir, 'daemon.log'),
  };
}

/** Usable bytes of sockaddr_un.sun_path (one byte goes to the terminating NUL). */
function socketPathLimit(platform: NodeJS.Platform): number {
  return platform === 'linux' || platform === 'android' ? 107 : 103;
}

/**
 * bind() on a longer path fails with a bare EINVAL/ENAMETOOLONG (or, on some
 * systems, silently truncates it), so refuse up front and say how to fix it.
 */
export function checkSocketPath(socketPath: string, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return; // named pipes have no such limit
  const length = Buffer.byteLength(socketPath, 'utf8');
  const limit = socketPathLimit(platform);
  if (length <= limit) return;
  throw new DrydockError(
    'invalid_input',
    `The daemon socket path ${socketPath} is ${length} bytes long, but Unix sockets on ${platform} allow at most ${limit} bytes. ` +
      'Set DRYDOCK_STATE_DIR (moves state and socket) or XDG_RUNTIME_DIR (moves only the socket) to a shorter folder, e.g. DRYDOCK_STATE_DIR=/tmp/drydock-$USER.',
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function absolute(p: path.PlatformPath, value: string | undefined): string | undefined {
  const v = nonEmpty(value);
  return v !== undefined && p.isAbsolute(v) ? p.resolve(v) : undefined;
}

/** Pipes share one global namespace: name it after the user, or after the state dir when that was moved. */
function pipeSuffix(env: Env, stateDir: string, moved: boolean): string {
  const user = (nonEmpty(env.USERNAME) ?? nonEmpty(env.USER))?.replace(/[^A-Za-z0-9._-]/g, '_');
  if (!moved && user !== undefined) return user;
  // Required here, on Windows only: loading node:crypto costs every CLI command on Linux about 15 ms of its start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(stateDir).digest('hex').slice(0, 16);
}
