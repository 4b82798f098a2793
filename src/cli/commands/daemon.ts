import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DrydockClient } from '../../client/drydockClient';
import { BACKEND_ENV } from '../../client/backendProcess';
import { installService, uninstallService, type ServiceTarget } from '../../client/loginUnit';
import { isBackendDown } from '../../client/transport';
import { UsageError, parse, type Command, type CommandContext } from '../context';

const BACKEND_SCRIPT = join(__dirname, 'backend.js');

export const daemon: Command = {
  usage: `drydock daemon run|start|stop|status|install|uninstall

  run        run the backend in the foreground (what a service manager runs)
  start      start it in the background unless one answers
  stop       stop it gracefully: running builds get up to 20 s to finish, and
             this waits (up to 30 s) until the backend has exited
  status     say whether it runs, its version, and whether Docker answers
  install    start it at login: a systemd user unit, or a launchd agent on macOS
  uninstall  remove that unit or agent

Examples:
  drydock daemon status
  drydock daemon install`,
  async run(context) {
    const { positionals } = parse(context.args, {});
    switch (positionals[0]) {
      case 'run':
        return runForeground();
      case 'start': {
        const health = await (await context.backend()).health();
        context.out(`The Drydock backend ${health.version} runs (pid ${health.pid}, socket ${context.locations().socketPath}).`);
        return 0;
      }
      case 'stop':
        return stopDaemon(context);
      case 'status':
        return status(context);
      case 'install': {
        const result = await installService(serviceTarget());
        context.out(`Wrote ${result.path}.`);
        for (const command of result.commands) context.out(`  ran: ${command}`);
        for (const note of result.notes) context.out(note);
        return 0;
      }
      case 'uninstall': {
        const result = await uninstallService(serviceTarget());
        context.out(result.removed ? `Removed ${result.path}.` : `Nothing to remove at ${result.path}.`);
        for (const note of result.notes) context.out(note);
        return 0;
      }
      default:
        throw new UsageError(positionals[0] ? `unknown daemon command "${positionals[0]}"` : 'missing the daemon command');
    }
  },
};

function runForeground(): Promise<number> {
  const child = spawn(process.execPath, [BACKEND_SCRIPT, 'run'], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function status(context: CommandContext): Promise<number> {
  const client = new DrydockClient(context.locations().socketPath);
  try {
    const health = await client.health();
    context.out(`running: version ${health.version}, pid ${health.pid}, since ${health.startedAt}`);
    context.out(health.docker.reachable ? `Docker: answers at ${health.docker.endpoint ?? '?'}` : `Docker: unreachable (${health.docker.error ?? 'unknown'})`);
    return 0;
  } catch (error) {
    if (!isBackendDown(error)) throw error;
    context.out(`not running (no answer at ${client.socketPath}); \`drydock daemon start\` starts it.`);
    return 1;
  }
}

/** How long `daemon stop` waits for the backend to exit: past the 20 s it gives running builds to finish. */
const STOP_WAIT_MS = 30_000;

/** Asks the backend to stop, then waits until it has really exited (socket silent, process gone), saying what it waited for. */
async function stopDaemon(context: CommandContext): Promise<number> {
  const client = new DrydockClient(context.locations().socketPath);
  let pid: number;
  let waitingFor: string[];
  try {
    pid = (await client.health()).pid;
    // A backend of an older version answers without waitingFor.
    waitingFor = (await client.shutdown()).waitingFor ?? [];
  } catch (error) {
    if (!isBackendDown(error)) throw error;
    context.out('The backend is not running.');
    return 0;
  }
  const started = Date.now();
  const what = waitingFor.length > 0 ? listed(waitingFor) : undefined;
  if (what) context.err(`Stopping the backend (pid ${pid}) once ${what} has finished...`);
  // A backend in another pid namespace (its pid means nothing here) is judged by its socket alone.
  const pidVisible = !processGone(pid);
  while (Date.now() - started < STOP_WAIT_MS) {
    const answers = await client.health().then(
      () => true,
      (error: unknown) => !isBackendDown(error),
    );
    if (!answers && (!pidVisible || processGone(pid))) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      context.out(what ? `The backend stopped; waited ${seconds} s for ${what} to finish.` : 'The backend stopped.');
      return 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  context.err(
    `The backend (pid ${pid}) is still finishing${what ? ` ${what}` : ''} after ${STOP_WAIT_MS / 1000} s; it exits once that is done. ` +
      `Check with \`drydock daemon status\`; its log is ${context.locations().daemonLog}.`,
  );
  return 1;
}

/** "a", "a and b", "a, b and c". */
function listed(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}

/** Whether process `pid` has exited; one exited but not yet reaped by its parent (a zombie) has too. */
function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function serviceTarget(): ServiceTarget {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', ...BACKEND_ENV };
  for (const name of ['DRYDOCK_STATE_DIR', 'DOCKER_HOST', 'DOCKER_CONTEXT', 'DRYDOCK_POLICY', 'NODE_EXTRA_CA_CERTS'] as const) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return {
    platform: process.platform,
    home: homedir(),
    nodePath: process.execPath,
    backendScript: BACKEND_SCRIPT,
    env,
    ...(process.env.XDG_CONFIG_HOME ? { configHome: process.env.XDG_CONFIG_HOME } : {}),
  };
}
