/**
 * The CLI commands a user runs day to day, as a user runs them: autooff,
 * extend, schedule, keepalive, policy (show and check), ls --json into a
 * pipe, shell with piped input, logs --follow and --list, and rebuild --all.
 * The built dist/cli.js as a real process with a state dir (and backend) of
 * its own, under an organization policy file (DRYDOCK_POLICY), against the
 * real Docker engine.
 * Each test checks what the user sees (output, exit code) and the effect
 * through the typed client.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { constants, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkspaceView } from '../../src/api/views';
import { CLI, CliSandbox, pidExited, waitFor, type CliRun } from '../support/cliSandbox';
import { dockerExec } from '../support/docker';
import { buildTestImage, removeImage } from '../support/testImage';

/**
 * A busybox image whose /coder/configure, with CONFIGURE_MODE=gate, waits
 * until ~/open exists (the test opens it), and fails while ~/fail exists.
 * Both files are in home, so they outlive rebuilds.
 */
const IMAGE = 'drydock-test/cli-commands:1';
const CONFIGURE = `#!/bin/sh
if [ "$CONFIGURE_MODE" = gate ]; then
  echo "configure waiting"
  while [ ! -e "$HOME/open" ]; do sleep 0.1; done
  echo "configure done"
fi
if [ -e "$HOME/fail" ]; then echo "configure failing on purpose" >&2; exit 3; fi
exit 0
`;

/** The organization policy the sandbox's backend enforces. */
const POLICY = { autoOff: { default: '2h', max: '8h', maxExtension: '4h', warnBefore: ['5m'] } };

/** A CLI process still running: its output so far, and its end. */
interface Running {
  stdout: () => string;
  exited: Promise<CliRun>;
}

class Sandbox extends CliSandbox {
  readonly policyFile = join(this.dir, 'policy.json');

  override get env(): NodeJS.ProcessEnv {
    return { ...super.env, DRYDOCK_POLICY: this.policyFile };
  }

  /** `drydock ARGS...` as a user types it; stdin is a pipe (never a TTY) carrying `input`. */
  start(args: string[], input = ''): Running {
    const child = spawn(process.execPath, [CLI, ...args], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<CliRun>((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('error', reject);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
    return { stdout: () => stdout, exited };
  }

  cli(args: string[], input = ''): Promise<CliRun> {
    return this.start(args, input).exited;
  }

  async ok(args: string[], input = ''): Promise<CliRun> {
    const run = await this.cli(args, input);
    assert.equal(run.status, 0, `drydock ${args.join(' ')} exited ${run.status}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    return run;
  }

  /** Exits 1 and says `message` on stderr, nothing on stdout. */
  async fails(args: string[], message: RegExp, status = 1): Promise<CliRun> {
    const run = await this.cli(args);
    assert.equal(run.status, status, `drydock ${args.join(' ')} exited ${run.status}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '');
    return run;
  }

  override async stopDaemon(): Promise<void> {
    const pid = (await this.health())?.pid;
    if (pid === undefined) return;
    process.kill(pid, 'SIGTERM');
    await waitFor(`backend ${pid} to exit`, 60_000, () => pidExited(pid));
  }
}

const HOUR = 3_600_000;
const pad = (value: number): string => String(value).padStart(2, '0');

/** The weekday, hour and minute of `iso` in `timeZone`. */
function wallClock(iso: string, timeZone: string): { weekday: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return { weekday: parts.weekday ?? '', time: `${parts.hour}:${parts.minute}` };
}

void describe('the CLI commands, as a user runs them', () => {
  const sandbox = new Sandbox();
  const main = sandbox.workspace('cmd');
  const other = sandbox.workspace('cmdlogs');
  const scratch = mkdtempSync(join(tmpdir(), 'drydock-cli-commands-'));

  before(async () => {
    buildTestImage(IMAGE, { files: { '/coder/configure': { content: CONFIGURE, mode: 0o755 } } });
    writeFileSync(sandbox.policyFile, JSON.stringify(POLICY));
    await sandbox.ok(['create', main, '--image', IMAGE, '--pull', 'never']);
    await sandbox.ok(['create', other, '--image', IMAGE, '--pull', 'never']);
  });

  after(async () => {
    await sandbox.cleanup();
    removeImage(IMAGE);
    rmSync(scratch, { recursive: true, force: true });
  });

  void describe('autooff', () => {
    void it('sets a duration, off and inherit, and says what is in force and when it stops', async () => {
      const set = await sandbox.ok(['autooff', main, '45m']);
      const view = await sandbox.view(main);
      assert.equal(view.autoOff?.setting, '45m');
      assert.equal(view.autoOff?.threshold, '45m');
      assert.equal(view.autoOff?.source, 'workspace');
      assert.ok(view.deadline);
      const inMs = Date.parse(view.deadline) - Date.now();
      assert.ok(inMs > 44 * 60_000 && inMs <= 45 * 60_000, `the deadline is 45 minutes out: ${view.deadline}`);
      assert.equal(set.stdout, `${main}: auto-off 45m (workspace); stops at ${view.deadline} without activity.\n`);

      const off = await sandbox.ok(['autooff', main, 'off']);
      assert.equal(off.stdout, `${main}: auto-off off (workspace).\n`);
      const offView = await sandbox.view(main);
      assert.equal(offView.autoOff?.threshold, 'off');
      assert.equal(offView.deadline, undefined, 'no deadline while auto-off is off');

      const inherit = await sandbox.ok(['autooff', main, 'inherit']);
      const inherited = await sandbox.view(main);
      assert.equal(inherited.autoOff?.setting, 'inherit');
      assert.equal(inherited.autoOff?.threshold, '2h', "the policy's default");
      assert.equal(inherited.autoOff?.source, 'policy default');
      assert.equal(inherit.stdout, `${main}: auto-off 2h (policy default); stops at ${inherited.deadline} without activity.\n`);
    });

    void it('refuses what the policy forbids, naming the rule, and changes nothing', async () => {
      const before = await sandbox.view(main);
      await sandbox.fails(['autooff', main, '9h'], /at most 8h \(max\)/);
      await sandbox.fails(['autooff', main, 'soon'], /"soon" is not a setting/);
      await sandbox.fails(['autooff', main], /missing the setting/, 2);
      assert.deepEqual((await sandbox.view(main)).autoOff, before.autoOff);
    });
  });

  void describe('extend', () => {
    void it('--until HH:MM keeps it running until that local time, and a duration pushes the deadline out', async () => {
      await sandbox.ok(['autooff', main, '45m']);
      // A whole minute 2.5 h from now, as the user's clock shows it (the CLI runs in this same time zone).
      const until = new Date(Date.now() + 2.5 * HOUR);
      until.setSeconds(0, 0);
      const hhmm = `${pad(until.getHours())}:${pad(until.getMinutes())}`;
      const extended = await sandbox.ok(['extend', main, '--until', hhmm]);
      const view = await sandbox.view(main);
      assert.equal(view.deadline, until.toISOString(), `extend --until ${hhmm}`);
      assert.equal(extended.stdout, `${main} now stops at ${until.toLocaleString()} at the earliest, without activity.\n`);

      const asked = Date.now();
      const byDuration = await sandbox.ok(['extend', main, '3h']);
      const later = await sandbox.view(main);
      const deadline = Date.parse(later.deadline ?? '');
      assert.ok(deadline >= asked + 3 * HOUR && deadline <= Date.now() + 3 * HOUR, `extend 3h: ${later.deadline}`);
      assert.equal(byDuration.stdout, `${main} now stops at ${new Date(deadline).toLocaleString()} at the earliest, without activity.\n`);
    });

    void it('refuses more than the policy allows at a time, and a missing or bad time, changing nothing', async () => {
      const before = (await sandbox.view(main)).deadline;
      await sandbox.fails(['extend', main, '5h'], /at most 4h at a time \(maxExtension\)/);
      await sandbox.fails(['extend', main], /give a duration \(e\.g\. 2h\) or --until HH:MM/, 2);
      await sandbox.fails(['extend', main, '--until', '25:00'], /--until/, 2);
      assert.equal((await sandbox.view(main)).deadline, before);
    });

    void it('says so when auto-off is off', async () => {
      await sandbox.ok(['autooff', main, 'off']);
      const run = await sandbox.ok(['extend', main, '1h']);
      assert.equal(run.stdout, `${main} has auto-off turned off.\n`);
      assert.equal((await sandbox.view(main)).deadline, undefined);
      await sandbox.ok(['autooff', main, 'inherit']);
    });
  });

  void describe('schedule', () => {
    void it('--weekdays HH:MM --tz ZONE starts it at that time on weekdays in that zone', async () => {
      const run = await sandbox.ok(['schedule', main, '--weekdays', '09:00', '--tz', 'Europe/Berlin']);
      const { schedule } = await sandbox.view(main);
      assert.ok(schedule, 'a schedule is set');
      assert.equal(schedule.timeZone, 'Europe/Berlin');
      assert.ok(schedule.nextRun);
      const next = wallClock(schedule.nextRun, 'Europe/Berlin');
      assert.equal(next.time, '09:00', `next run ${schedule.nextRun} is 09:00 in Berlin`);
      assert.ok(['Mon', 'Tue', 'Wed', 'Thu', 'Fri'].includes(next.weekday), `next run ${schedule.nextRun} is a weekday (${next.weekday})`);
      const inMs = Date.parse(schedule.nextRun) - Date.now();
      assert.ok(inMs > 0 && inMs <= 3 * 24 * HOUR + 60_000, `the next weekday 09:00 is at most 3 days out: ${schedule.nextRun}`);
      assert.equal(run.stdout, `${main} starts ${schedule.description}; next: ${schedule.nextRun}.\n`);
    });

    void it('a cron expression in a zone', async () => {
      const run = await sandbox.ok(['schedule', main, '30 8 * * *', '--tz', 'UTC']);
      const { schedule } = await sandbox.view(main);
      assert.ok(schedule?.nextRun);
      assert.equal(schedule.expression, '30 8 * * *');
      assert.equal(schedule.timeZone, 'UTC');
      assert.match(schedule.nextRun, /T08:30:00(\.000)?Z$/);
      const inMs = Date.parse(schedule.nextRun) - Date.now();
      assert.ok(inMs > 0 && inMs <= 24 * HOUR, `the next 08:30 UTC is within a day: ${schedule.nextRun}`);
      assert.equal(run.stdout, `${main} starts ${schedule.description}; next: ${schedule.nextRun}.\n`);
    });

    void it('refuses a bad cron or zone, keeping the schedule; off removes it', async () => {
      const before = (await sandbox.view(main)).schedule;
      await sandbox.fails(['schedule', main, '61 8 * * *'], /61/);
      await sandbox.fails(['schedule', main, '30 8 * * *', '--tz', 'Mars/Olympus'], /Mars\/Olympus/);
      await sandbox.fails(['schedule', main, '30 8 * * *', '--weekdays', '09:00'], /give either "CRON", --weekdays HH:MM, or off/, 2);
      assert.deepEqual((await sandbox.view(main)).schedule, before);

      const off = await sandbox.ok(['schedule', main, 'off']);
      assert.equal(off.stdout, `${main} has no auto-start schedule.\n`);
      assert.equal((await sandbox.view(main)).schedule, undefined);
    });
  });

  void describe('keepalive', () => {
    void it('holds a lease while the command runs and releases it when it ends', async () => {
      const gate = join(scratch, 'release');
      const started = join(scratch, 'started');
      assert.equal((await sandbox.view(main)).leases ?? 0, 0, 'no lease before');
      const running = sandbox.start([
        'keepalive',
        main,
        '--',
        'sh',
        '-c',
        'touch "$1"; while [ ! -e "$2" ]; do sleep 0.1; done; echo done; exit 5',
        'sh',
        started,
        gate,
      ]);
      await waitFor('the command to run', 30_000, () => existsSync(started));
      assert.equal((await sandbox.view(main)).leases, 1, 'a lease is held while the command runs');
      writeFileSync(gate, '');
      const run = await running.exited;
      assert.equal(run.status, 5, run.stderr);
      assert.equal(run.stdout, 'done\n');
      assert.equal((await sandbox.view(main)).leases ?? 0, 0, 'the lease is released when the command ends (not left to expire)');
    });

    void it('a command that cannot run exits 127 and holds no lease; an unknown workspace runs nothing', async () => {
      const missing = join(scratch, 'no-such-program');
      const run = await sandbox.cli(['keepalive', main, '--', missing]);
      assert.equal(run.status, 127, run.stderr);
      assert.match(run.stderr, new RegExp(`cannot run ${missing}`));
      assert.equal((await sandbox.view(main)).leases ?? 0, 0);

      const marker = join(scratch, 'ran');
      const unknown = await sandbox.cli(['keepalive', 'no-such-workspace', '--', 'touch', marker]);
      assert.equal(unknown.status, 1, unknown.stderr);
      assert.match(unknown.stderr, /no workspace named "no-such-workspace"/);
      assert.ok(!existsSync(marker), 'the command did not run without a lease');
    });
  });

  void describe('policy', () => {
    void it('shows the policy in force in its file’s words, and where it comes from', async () => {
      const run = await sandbox.ok(['policy']);
      const [first, ...rest] = run.stdout.split('\n');
      assert.equal(first, `Policy: ${sandbox.policyFile}`);
      assert.deepEqual(JSON.parse(rest.join('\n')), {
        autoOff: { default: '2h', allowUserChange: true, allowDisable: true, max: '8h', maxExtension: '4h', maxLease: '15m', warnBefore: ['5m'] },
        // Not in the file: its defaults, as for autoOff's.
        pullAhead: { enabled: true, minFreeDisk: '5g' },
      });
      assert.equal(run.stderr, '');
      const json = JSON.parse((await sandbox.ok(['policy', '--json'])).stdout) as { path: string; source: string };
      assert.equal(json.path, sandbox.policyFile);
      assert.equal(json.source, 'file');
    });

    void it('check: a valid file is OK; an invalid one exits 1 naming each problem in the file’s own words', async () => {
      const good = join(scratch, 'good.json');
      writeFileSync(
        good,
        JSON.stringify({ autoOff: { default: '1h', allowDisable: false }, forcedRebuild: { builtAfter: '2026-12-01T00:00:00Z', reason: 'openssl fix' } }),
      );
      const ok = await sandbox.ok(['policy', 'check', good]);
      assert.equal(ok.stdout, `${good}: valid.\n`);

      const bad = join(scratch, 'bad.json');
      writeFileSync(
        bad,
        JSON.stringify({ autoOff: { default: 'soon', allowDisable: 'no', colour: 'red' }, forcedRebuild: { builtAfter: '2026-02-30T00:00:00Z' } }),
      );
      const run = await sandbox.fails(['policy', 'check', bad], /./);
      const lines = run.stderr.trimEnd().split('\n');
      for (const line of lines) assert.ok(line.startsWith(`${bad}: `), `each problem names the file: ${line}`);
      const says = (field: string, text: RegExp): void =>
        assert.ok(
          lines.some((line) => line.startsWith(`${bad}: ${field}: `) && text.test(line)),
          `a line names ${field} (${String(text)}):\n${run.stderr}`,
        );
      says('autoOff.default', /"soon"/);
      says('autoOff.allowDisable', /true or false/);
      says('autoOff.colour', /is not a policy field/);
      says('forcedRebuild.builtAfter', /"2026-02-30T00:00:00Z"/);
      says('forcedRebuild.reason', /is required/);
      assert.equal(lines.length, 5, `one line per problem:\n${run.stderr}`);

      const notJson = join(scratch, 'broken.json');
      writeFileSync(notJson, '{"autoOff": {');
      await sandbox.fails(['policy', 'check', notJson], /JSON/);
      await sandbox.fails(['policy', 'check', join(scratch, 'absent.json')], /absent\.json/);
      await sandbox.fails(['policy', 'check'], /missing FILE/, 2);
    });
  });

  void describe('ls', () => {
    void it('--json into a pipe read late arrives whole, past the 64 KiB a pipe holds at once', async () => {
      const names = Array.from({ length: 150 }, () => sandbox.workspace('lsbig'));
      try {
        // Variable names are listed in each entry: 20 long ones make about 150 KB of JSON.
        const env = Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`DRYDOCK_LS_PIPE_TEST_VARIABLE_${index}`, 'x']));
        for (const name of names) await sandbox.client.createWorkspace({ name, image: IMAGE, pullPolicy: 'never', env }, { build: false });
        // The reader starts a second late, so the pipe is full when the CLI is done and the rest waits in Node's queue.
        const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" ls --json | (sleep 1; cat)`], { env: sandbox.env, encoding: 'utf8' });
        assert.equal(piped.status, 0, piped.stderr);
        assert.ok(piped.stdout.length > 65_536, `only ${piped.stdout.length} bytes came through`);
        const listed = (JSON.parse(piped.stdout) as WorkspaceView[]).map((view) => view.name);
        for (const name of names) assert.ok(listed.includes(name), `${name} is missing from ls --json`);
        // A pipe someone left non-blocking (shared with a parent that set O_NONBLOCK): full, the writes wait, nothing is lost.
        const late = await readLate(['ls', '--json'], sandbox.env);
        assert.equal(late.status, 0, late.stderr);
        assert.equal((JSON.parse(late.stdout) as WorkspaceView[]).length, listed.length);
        // A reader that stops early (`| head`) ends the command quietly and successfully, as it would a Unix tool.
        const cut = spawnSync('bash', ['-c', `set -o pipefail; "${CLI}" ls --json | head -c 100 > /dev/null`], { env: sandbox.env, encoding: 'utf8' });
        assert.equal(cut.status, 0, cut.stderr);
        assert.equal(cut.stderr, '');
      } finally {
        for (const name of names) await sandbox.client.deleteWorkspace(name).catch(() => undefined);
      }
    });
  });

  void describe('shell', () => {
    void it('runs piped input in a login shell as the workspace user in home, and exits with its code', async () => {
      const run = await sandbox.cli(['shell', main], 'echo hi; exit 4\n');
      assert.equal(run.status, 4, run.stderr);
      assert.equal(run.stdout, 'hi\n');
      const where = await sandbox.ok(['shell', main], 'id -un; pwd; echo oops >&2\n');
      assert.equal(where.stdout, 'dev\n/home/dev\n');
      assert.equal(where.stderr, 'oops\n', 'stderr stays apart');
    });

    void it('an unknown workspace is named', async () => {
      await sandbox.fails(['shell', 'no-such-workspace'], /no workspace named "no-such-workspace"/);
    });
  });

  void describe('logs', () => {
    const gateClosed = (): void => void dockerExec(`drydock-${other}`, 'rm -f ~/open');
    const gateOpen = (): void => void dockerExec(`drydock-${other}`, 'touch ~/open');

    void it('--follow prints the running build from its start, live, and exits 0 when it ends running', async () => {
      gateClosed();
      const { buildId } = await sandbox.client.rebuild(other, { env: { CONFIGURE_MODE: 'gate' } });
      const following = sandbox.start(['logs', other, '--follow']);
      await waitFor('logs --follow to print the waiting configure', 60_000, () => following.stdout().includes('configure waiting'));
      assert.equal((await sandbox.view(other)).state, 'building', 'it printed the build while it ran');
      assert.doesNotMatch(following.stdout(), /configure done/);
      gateOpen();
      const run = await following.exited;
      assert.equal(run.status, 0, run.stderr);
      const printed = run.stdout;
      assert.match(printed, /^==> Resolve image$/m, 'from the start of the build');
      assert.ok(printed.indexOf('configure waiting') < printed.indexOf('configure done'));
      assert.match(printed, /=== build running/);
      assert.equal((await sandbox.view(other)).lastBuild?.buildId, buildId);
    });

    void it('--follow exits 1 when the build fails', async () => {
      gateClosed();
      dockerExec(`drydock-${other}`, 'touch ~/fail');
      await sandbox.client.rebuild(other);
      const following = sandbox.start(['logs', other, '--follow']);
      await waitFor('logs --follow to print the waiting configure', 60_000, () => following.stdout().includes('configure waiting'));
      gateOpen();
      const run = await following.exited;
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stdout, /configure failing on purpose/);
      assert.match(run.stdout, /=== build failed/);
      assert.equal((await sandbox.view(other)).state, 'failed');
    });

    void it('--follow with no build running says so and prints the last build', async () => {
      const { lastBuild } = await sandbox.view(other);
      assert.ok(lastBuild);
      const run = await sandbox.ok(['logs', other, '--follow']);
      assert.equal(run.stderr, `${other} is not building; showing its last build.\n`);
      assert.equal(run.stdout.trimEnd(), (await sandbox.client.buildLog(other, lastBuild.buildId)).trimEnd());
    });

    void it('--list lists every kept build, newest first, with its time and size', async () => {
      const builds = await sandbox.client.builds(other);
      assert.ok(builds.length >= 3, `three builds at least: ${JSON.stringify(builds)}`);
      const run = await sandbox.ok(['logs', other, '--list']);
      assert.deepEqual(
        run.stdout.trimEnd().split('\n'),
        builds.map((build) => `${build.buildId}  ${build.modifiedAt}  ${build.sizeBytes} bytes`),
      );
      assert.equal(builds[0]?.buildId, (await sandbox.view(other)).lastBuild?.buildId, 'the newest first');
    });
  });

  void describe('rebuild --all --yes', () => {
    const buildIds = async (): Promise<Map<string, string | undefined>> =>
      new Map((await sandbox.client.listWorkspaces()).map((workspace: WorkspaceView) => [workspace.name, workspace.lastBuild?.buildId]));

    void it('rebuilds every workspace without asking, reports each result and exits 1 if one failed', async () => {
      // `other` still fails its build (~/fail); `main` has a change outside home that --yes discards.
      dockerExec(`drydock-${main}`, 'echo mine > /tmp/outside-home');
      const before = await buildIds();
      const run = await sandbox.cli(['rebuild', '--all', '--yes']);
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stdout, new RegExp(`^### ${main}$`, 'm'));
      assert.match(run.stdout, new RegExp(`^### ${other}$`, 'm'));
      assert.match(run.stdout, new RegExp(`^${main}: running$`, 'm'));
      assert.match(run.stdout, new RegExp(`^${other}: failed$`, 'm'));
      const afterIds = await buildIds();
      for (const name of [main, other]) assert.notEqual(afterIds.get(name), before.get(name), `${name} was rebuilt`);
      assert.equal((await sandbox.view(main)).state, 'running');
      assert.equal((await sandbox.view(other)).state, 'failed');
      assert.equal(dockerExec(`drydock-${main}`, 'test -e /tmp/outside-home && echo kept || echo gone'), 'gone');
    });

    void it('exits 0 once every build ends running', async () => {
      dockerExec(`drydock-${other}`, 'rm -f ~/fail');
      const run = await sandbox.ok(['rebuild', '--all', '--yes']);
      assert.match(run.stdout, new RegExp(`^${main}: running\\n${other}: running\\n?$|^${other}: running\\n${main}: running\\n?$`, 'm'));
      for (const name of [main, other]) assert.equal((await sandbox.view(name)).state, 'running', name);
    });
  });
});

/**
 * Runs the CLI with stdout on a FIFO whose write end is non-blocking (EAGAIN
 * once 64 KiB wait in it), read only after a second. Node's spawn makes a
 * child's stdio blocking, so the flag is set again once the child runs.
 */
async function readLate(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const folder = mkdtempSync(join(tmpdir(), 'dd-fifo-'));
  const fifo = join(folder, 'out');
  try {
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const child = spawn(CLI, args, { env, stdio: ['ignore', writer, 'pipe'] });
    // The child gets its stdout made blocking; a stream on our copy makes the shared write end non-blocking again.
    new Socket({ fd: writer, readable: false, writable: true }).destroy();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const chunks: Buffer[] = [];
    const socket = new Socket({ fd: reader, readable: true, writable: false });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const [status] = await Promise.all([exited, new Promise((resolve) => socket.on('end', resolve))]);
    return { status, stdout: Buffer.concat(chunks).toString('utf8'), stderr };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
