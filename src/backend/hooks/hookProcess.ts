import type { BuildContext } from '../lifecycle/types';

/**
 * Runs one hook program in the workspace as its user, streaming output into
 * the build log, with a timeout that really kills it. Docker has no "kill
 * exec", so a tiny shell wrapper reports its pid first; on timeout a root
 * exec kills that process tree (TERM, then KILL).
 */
const CONTROL = '@@drydock ';
const WRAPPER = [
  'p="$1"',
  `[ -e "$p" ] || { echo "${CONTROL}missing"; exit 0; }`,
  `[ -x "$p" ] || { echo "${CONTROL}not-executable"; exit 126; }`,
  `echo "${CONTROL}pid $$"`,
  'exec "$@"',
].join('\n');
const KILL_TREE = [
  'tree() { echo "$1"; for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree "$c"; done; }',
  'pids=$(tree "$1")',
  'kill -TERM $pids 2>/dev/null',
  'sleep "$2"',
  'kill -KILL $(for p in $pids; do [ -d /proc/"$p" ] && echo "$p"; done) 2>/dev/null',
  'exit 0',
].join('\n');
const KILL_GRACE_SECONDS = 2;
/** After the kill, how long to wait for the output to end before hanging up on it. */
const HANG_UP_AFTER_MS = 5000;

export type HookProcessResult =
  { kind: 'missing' } | { kind: 'not-executable' } | { kind: 'exited'; exitCode: number; durationMs: number } | { kind: 'timed-out'; durationMs: number };

export async function runHookProcess(context: BuildContext, command: string[], options: { workingDir: string; timeoutMs: number }): Promise<HookProcessResult> {
  const { docker, containerId, reporter, user, home } = context;
  const started = Date.now();
  let control: string | undefined;
  let pending = Buffer.alloc(0);
  let pid: number | undefined;
  let timedOut = false;
  const hangUp = new AbortController();

  // The wrapper's first stdout line is ours; everything after goes to the log.
  const onOutput = (stream: 'stdout' | 'stderr', chunk: Buffer): void => {
    if (stream === 'stderr' || control !== undefined) return reporter.output(stream, chunk);
    pending = Buffer.concat([pending, chunk]);
    const newline = pending.indexOf(0x0a);
    if (newline < 0 && pending.length < 256) return;
    const line = pending.subarray(0, newline < 0 ? pending.length : newline).toString('utf8');
    const rest = pending.subarray(newline < 0 ? pending.length : newline + 1);
    control = line.startsWith(CONTROL) ? line.slice(CONTROL.length) : '';
    if (control.startsWith('pid ')) pid = Number(control.slice(4));
    if (!line.startsWith(CONTROL)) reporter.output('stdout', pending);
    else if (rest.length > 0) reporter.output('stdout', rest);
  };

  const timer = setTimeout(() => {
    timedOut = true;
    reporter.warn(`${command.join(' ')} ran past its ${Math.round(options.timeoutMs / 1000)} s timeout; killing it.`);
    void killTree().finally(() => setTimeout(() => hangUp.abort(), HANG_UP_AFTER_MS).unref());
  }, options.timeoutMs);
  const killTree = async (): Promise<void> => {
    if (pid === undefined || !Number.isInteger(pid)) return hangUp.abort();
    // Runs as root in the same container: the hook may have dropped into a new session or setuid helper.
    await docker.containers
      .exec(containerId, ['/bin/sh', '-c', KILL_TREE, 'drydock-kill', String(pid), String(KILL_GRACE_SECONDS)], { user: '0:0' })
      .catch(() => hangUp.abort());
  };

  try {
    const exitCode = await docker.containers.exec(containerId, ['/bin/sh', '-c', WRAPPER, 'drydock-hook', ...command], {
      user: user.name,
      workingDir: options.workingDir,
      env: { HOME: home, USER: user.name, LOGNAME: user.name },
      onOutput,
      signal: hangUp.signal,
    });
    if (control === undefined && pending.length > 0) reporter.output('stdout', pending);
    const durationMs = Date.now() - started;
    if (timedOut) return { kind: 'timed-out', durationMs };
    if (control === 'missing') return { kind: 'missing' };
    if (control === 'not-executable') return { kind: 'not-executable' };
    return { kind: 'exited', exitCode, durationMs };
  } finally {
    clearTimeout(timer);
  }
}

/** The log's one-line account of a hook process that did not succeed. */
export function describeFailure(program: string, result: HookProcessResult, timeoutMs: number): string {
  switch (result.kind) {
    case 'missing':
      return `${program} does not exist`;
    case 'not-executable':
      return `${program} exists but is not executable by the workspace user; make it executable (chmod +x)`;
    case 'timed-out':
      return `${program} was killed after its ${Math.round(timeoutMs / 1000)} s timeout (raise hookTimeout if it needs longer)`;
    case 'exited':
      return `${program} exited with code ${result.exitCode}`;
  }
}
