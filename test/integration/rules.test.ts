import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleGit } from 'simple-git';
import { resolveLocations } from '../../src/api/locations';
import type { DaemonEvent } from '../../src/api/views';
import { AutoOffManager } from '../../src/backend/autooff/autoOffManager';
import { BuildLogStore } from '../../src/backend/builds/logStore';
import { DotfilesCache } from '../../src/backend/hooks/dotfilesCache';
import { Scheduler } from '../../src/backend/schedule/scheduler';
import { CoalescedWriter } from '../../src/backend/state/coalescedWriter';
import type { BackendEvent } from '../../src/backend/workspaces/backendEvents';
import { EventBus } from '../../src/backend/workspaces/eventBus';
import { WorkspaceService } from '../../src/backend/workspaces/workspaceService';
import { connectBackend } from '../../src/client/backendLauncher';
import { DrydockClient } from '../../src/client/drydockClient';
import { isDrydockError } from '../../src/core/errors';
import { parsePolicy, type Policy } from '../../src/core/policy';
import { VERSION } from '../../src/core/version';
import { waitFor } from '../support/cliSandbox';
import { createRunning, newStateDir, policyDaemons, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { connect, docker, dockerExec } from '../support/docker';
import { CONFIGURE_SCRIPT } from '../support/hookImage';
import { buildTestImage, removeImage } from '../support/testImage';

/**
 * Rules of auto-off, auto-start, the policy, leases, the launcher and the
 * build hooks that no other suite touches, each checked against real parts:
 * real backend processes (dist/backend.js) where the rule is observable
 * through the API in reasonable time, and the backend's own scheduler and
 * auto-off manager on a real WorkspaceService and engine where the rule
 * needs a clock that jumps or retry delays shorter than minutes.
 */

const IMAGE = 'drydock-test/rules:1';
/** Has /coder/configure (the default path) and /opt/setup/run, each leaving its own mark in home. */
const CUSTOM_CONFIGURE_IMAGE = 'drydock-test/rules-configure:1';
/** Made only while a test runs (a tag of IMAGE), so a scheduled start fails until it exists. */
const LATE_IMAGE = 'drydock-test/rules-late:1';
const MINUTE = 60_000;
const ROOT = join(__dirname, '../../..');

const isFor = (name: string, type: DaemonEvent['type']) => (event: DaemonEvent) =>
  event.type === type && 'workspace' in event && (typeof event.workspace === 'string' ? event.workspace : event.workspace?.name) === name;
/** A daily cron (UTC) for the minute that holds `at`. */
const dailyAt = (at: number): string => `${new Date(at).getUTCMinutes()} ${new Date(at).getUTCHours()} * * *`;
const near = (actual: number, expected: number, slackMs: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= slackMs, `${what}: ${new Date(actual).toISOString()}, expected about ${new Date(expected).toISOString()}`);

/** The backend's scheduler and auto-off manager on a real WorkspaceService and engine, with a clock the test moves. */
interface InProcess {
  service: WorkspaceService;
  autoOff: AutoOffManager;
  scheduler: Scheduler;
  bus: EventBus<BackendEvent>;
  events: BackendEvent[];
  /** Moves the parts' clock (not the engine's) forward, as a host that slept sees it. */
  skewMs: number;
  waitForEvent(match: (event: BackendEvent) => boolean, timeoutMs: number): Promise<BackendEvent>;
  close(): void;
}

async function inProcess(options: { policy: Policy; retryDelaysMs?: number[] }): Promise<InProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'dd-rules-'));
  const bus = new EventBus<BackendEvent>();
  const events: BackendEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const writer = new CoalescedWriter(
    () => Promise.resolve(),
    () => undefined,
  );
  const log = (): void => undefined;
  const service = new WorkspaceService({
    owner: 'drydock-tests',
    logs: new BuildLogStore(join(dir, 'logs')),
    dotfiles: new DotfilesCache(join(dir, 'dotfiles')),
    events: bus,
    writer,
    log,
    stopGraceSeconds: 1,
  });
  await service.dockerUp(await connect());
  const harness: InProcess = {
    service,
    bus,
    events,
    skewMs: 0,
    autoOff: undefined as unknown as AutoOffManager,
    scheduler: undefined as unknown as Scheduler,
    waitForEvent: (match, timeoutMs) => waitFor('a matching backend event', timeoutMs, () => events.find(match)),
    close: () => {
      harness.autoOff.close();
      harness.scheduler.close();
      writer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const now = (): number => Date.now() + harness.skewMs;
  harness.autoOff = new AutoOffManager({ service, events: bus, policy: () => options.policy, log, now });
  harness.scheduler = new Scheduler({
    service,
    events: bus,
    autoOff: harness.autoOff,
    policy: () => options.policy,
    log,
    now,
    ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
  });
  return harness;
}

void describe('rules of the backend no other suite covers', () => {
  const { workspace, daemonWith, own, cleanUp } = policyDaemons();
  const cleanups: (() => void)[] = [];
  const harnessWith = async (options: Parameters<typeof inProcess>[0]): Promise<InProcess> => {
    const harness = await inProcess(options);
    cleanups.push(() => harness.close());
    return harness;
  };

  before(() => {
    removeImage(LATE_IMAGE);
    buildTestImage(IMAGE);
    buildTestImage(CUSTOM_CONFIGURE_IMAGE, {
      files: {
        '/coder/configure': { content: '#!/bin/sh\necho default > "$HOME/.default-configure-ran"\n', mode: 0o755 },
        '/opt/setup/run': { content: CONFIGURE_SCRIPT, mode: 0o755 },
      },
    });
  });
  after(async () => {
    for (const cleanup of cleanups) cleanup();
    await cleanUp();
    for (const image of [IMAGE, CUSTOM_CONFIGURE_IMAGE, LATE_IMAGE]) removeImage(image);
  });

  void describe('the scheduler', () => {
    void it('retries a failed scheduled start with backoff, reporting retrying, then started once it can', async () => {
      const harness = await harnessWith({ policy: parsePolicy({ autoOff: { default: '1h', warnBefore: [] } }, 'test'), retryDelaysMs: [300, 600, 900] });
      const name = workspace('retry');
      await harness.service.create({ name, image: LATE_IMAGE, pullPolicy: 'never' }, false);
      // The image appears once the first start has failed and its retry is announced (before the retry's timer is set).
      harness.bus.subscribe((event) => {
        if (event.type === 'auto-start' && event.workspace === name && event.status === 'retrying') docker(['tag', IMAGE, LATE_IMAGE]);
      });
      await harness.scheduler.set(name, { cron: dailyAt(Date.now() - 2 * MINUTE), timeZone: 'UTC' });
      harness.scheduler.start();
      const started = await harness.waitForEvent((event) => event.type === 'auto-start' && event.workspace === name && event.status === 'started', 90_000);
      assert.ok(started);
      const statuses = harness.events.flatMap((event) => (event.type === 'auto-start' && event.workspace === name ? [event.status] : []));
      assert.deepEqual(statuses, ['retrying', 'started']);
      const record = harness.service.record(name);
      assert.equal(record.state, 'running');
      assert.equal(record.lastAutoStart?.status, 'started');
    });

    void it('gives up after the last retry with a failed event, each retry waiting longer', async () => {
      const delays = [200, 800];
      const harness = await harnessWith({ policy: parsePolicy({ autoOff: { default: '1h', warnBefore: [] } }, 'test'), retryDelaysMs: delays });
      const name = workspace('giveup');
      await harness.service.create({ name, image: 'drydock-test/rules-never-made:1', pullPolicy: 'never' }, false);
      await harness.scheduler.set(name, { cron: dailyAt(Date.now() - 2 * MINUTE), timeZone: 'UTC' });
      const times: number[] = [];
      harness.bus.subscribe((event) => {
        if (event.type === 'auto-start' && event.workspace === name) times.push(Date.now());
      });
      harness.scheduler.start();
      await harness.waitForEvent((event) => event.type === 'auto-start' && event.workspace === name && event.status === 'failed', 60_000);
      // Each attempt comes no sooner than its delay after the one before: 200 ms, then 800 ms.
      assert.ok(times[1] - times[0] >= delays[0], `second attempt ${times[1] - times[0]} ms after the first`);
      assert.ok(times[2] - times[1] >= delays[1], `third attempt ${times[2] - times[1]} ms after the second`);
      const mine = harness.events.filter((event) => event.type === 'auto-start' && event.workspace === name);
      assert.deepEqual(
        mine.map((event) => (event.type === 'auto-start' ? event.status : '')),
        ['retrying', 'retrying', 'failed'],
      );
      assert.match((mine[0] as { message: string }).message, /retrying in/);
      assert.match((mine[2] as { message: string }).message, /failed after 3 attempt\(s\)/);
      const record = harness.service.record(name);
      assert.equal(record.lastAutoStart?.status, 'failed');
      assert.equal(record.state === 'running', false);
    });

    void it('catches up a start missed within the last hour but not one missed longer ago', async () => {
      const harness = await harnessWith({ policy: parsePolicy({ autoOff: { default: '1h', warnBefore: [] } }, 'test') });
      const recent = workspace('recent');
      const old = workspace('old');
      for (const name of [recent, old]) await harness.service.create({ name, image: IMAGE, pullPolicy: 'never' }, false);
      await harness.scheduler.set(recent, { cron: dailyAt(Date.now() - 58 * MINUTE), timeZone: 'UTC' });
      // Its run is at the start of the minute 62 minutes ago: past the 60-minute catch-up window.
      await harness.scheduler.set(old, { cron: dailyAt(Date.now() - 62 * MINUTE), timeZone: 'UTC' });
      harness.scheduler.start();
      await harness.waitForEvent((event) => event.type === 'auto-start' && event.workspace === recent && event.status === 'started', 90_000);
      assert.equal(
        harness.events.some((event) => event.type === 'auto-start' && event.workspace === old),
        false,
        'no start for the run missed over an hour ago',
      );
      assert.equal(harness.service.record(old).state, 'off');
      assert.equal(harness.service.record(old).lastAutoStart, undefined);
    });

    void it('restarts the inactivity clock of a workspace already running at its scheduled start', async () => {
      const harness = await harnessWith({ policy: parsePolicy({ autoOff: { default: '1h', warnBefore: [] } }, 'test') });
      const name = workspace('already');
      const created = await harness.service.create({ name, image: IMAGE, pullPolicy: 'never' }, true);
      const built = await created.build?.finished;
      assert.equal(built?.status, 'running');
      const before = harness.autoOff.status(harness.service.record(name)).deadline;
      assert.ok(before !== undefined, 'a running workspace has a deadline');
      near(before, Date.now() + 60 * MINUTE, 30_000, 'first deadline');
      // 40 minutes later (as the parts see it), its scheduled start comes.
      harness.skewMs = 40 * MINUTE;
      await harness.scheduler.set(name, { cron: dailyAt(Date.now() + harness.skewMs - MINUTE), timeZone: 'UTC' });
      harness.scheduler.start();
      await waitFor('the scheduled start to be recorded', 30_000, () => harness.service.record(name).lastAutoStart);
      assert.equal(harness.service.record(name).lastAutoStart?.status, 'already-running');
      const after = harness.autoOff.status(harness.service.record(name)).deadline;
      assert.ok(after !== undefined);
      near(after, Date.now() + harness.skewMs + 60 * MINUTE, 30_000, 'deadline after the scheduled start');
      assert.ok(after - before > 35 * MINUTE, 'the clock restarted at the scheduled start');
      assert.equal(harness.service.record(name).state, 'running');
    });
  });

  void describe('auto-off', () => {
    void it('stops an overdue workspace when the host wakes (the clock jumped past its deadline)', async () => {
      const harness = await harnessWith({ policy: parsePolicy({ autoOff: { default: '1h', warnBefore: [] } }, 'test') });
      const name = workspace('wake');
      const created = await harness.service.create({ name, image: IMAGE, pullPolicy: 'never' }, true);
      assert.equal((await created.build?.finished)?.status, 'running');
      // The host sleeps for two hours: the manager's next timer fires late, seeing the clock far ahead.
      harness.skewMs = 2 * 60 * MINUTE;
      const stopped = await harness.waitForEvent((event) => event.type === 'auto-stopped' && event.workspace === name, 30_000);
      assert.match((stopped as { message: string }).message, /the host was asleep/);
      assert.equal(harness.service.record(name).state, 'off');
      assert.equal(docker(['ps', '-q', '--filter', `label=dev.drydock.workspace=${name}`]), '');
    });

    void it('stops a workspace promptly when a backend restarts after its saved deadline has passed', async () => {
      const daemon = await daemonWith({ autoOff: { default: '4s', warnBefore: [] } });
      const name = workspace('overdue');
      await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
      await daemon.stop();
      const saved = await waitFor('the saved deadline', 5_000, () => {
        const file = JSON.parse(readState(daemon.stateDir)) as { state: { workspaces: Record<string, { activity?: { deadline?: number } }> } };
        return file.state.workspaces[name]?.activity?.deadline;
      });
      assert.equal(docker(['inspect', '-f', '{{.State.Running}}', `drydock-${name}`]), 'true', 'the workspace outlives its backend');
      // The backend is down well past the deadline (the host slept, or the user logged out).
      await waitFor('the deadline to be 11 s past', 30_000, () => Date.now() > saved + 11_000, 250);
      const restarted = await startDaemon(daemon.stateDir);
      own(restarted);
      const startedAt = Date.now();
      const stopped = await restarted.waitForEvent(isFor(name, 'auto-stopped'), 20_000);
      // The saved deadline counts, not a fresh clock: the stop says how late it is, and comes at once, not a threshold later.
      assert.match((stopped as { message: string }).message, /late: the host was asleep/);
      assert.ok(Date.now() - startedAt < 15_000, 'stopped soon after the backend came back');
      assert.equal((await restarted.workspace(name)).state, 'off');
    });
  });

  void describe('the policy file', () => {
    void it('keeps the last valid policy when the file becomes invalid, and says so', async () => {
      const daemon = await daemonWith({ autoOff: { default: '45m', maxExtension: '2h' } });
      const valid = await daemon.client.policy();
      assert.equal(valid.source, 'file');
      assert.equal(valid.policy.autoOff.default, '45m');
      assert.equal(valid.error, undefined);
      writeFileSync(join(daemon.stateDir, 'policy.json'), JSON.stringify({ autoOff: { default: 'soon' } }));
      const warning = await daemon.waitForEvent((event) => event.type === 'warning' && /policy/i.test(event.message), 15_000);
      assert.match((warning as { message: string }).message, /last valid policy stays in force/);
      const kept = await daemon.client.policy();
      assert.equal(kept.source, 'file');
      assert.equal(kept.policy.autoOff.default, '45m');
      assert.equal(kept.policy.autoOff.maxExtension, '2h');
      assert.match(kept.error ?? '', /default/);
      // Broken JSON too; then a fixed file is in force again and the error is gone.
      writeFileSync(join(daemon.stateDir, 'policy.json'), '{ "autoOff": ');
      await waitFor('the JSON error', 15_000, async () => /not valid JSON/.test((await daemon.client.policy()).error ?? ''));
      assert.equal((await daemon.client.policy()).policy.autoOff.default, '45m');
      writeFileSync(join(daemon.stateDir, 'policy.json'), JSON.stringify({ autoOff: { default: '20m' } }));
      const fixed = await waitFor('the fixed policy', 15_000, async () => {
        const view = await daemon.client.policy();
        return view.policy.autoOff.default === '20m' ? view : undefined;
      });
      assert.equal(fixed.error, undefined);
    });
  });

  void describe('leases', () => {
    void it('caps a lease at maxLease, renews it, refuses an unknown or expired one, and lets auto-off go ahead on release', async () => {
      const daemon = await daemonWith({ autoOff: { default: '3s', warnBefore: [], maxLease: '30s' } });
      const name = workspace('leases');
      await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
      const asked = Date.now();
      const held = await daemon.client.holdLease(name, 'long task', '1h');
      near(Date.parse(held.expiresAt), asked + 30_000, 5_000, 'a 1h lease capped at maxLease');
      const renewed = await daemon.client.renewLease(name, held.leaseId, 'long task', '2h');
      near(Date.parse(renewed.expiresAt), Date.now() + 30_000, 5_000, 'a renewal capped at maxLease');
      await assert.rejects(daemon.client.renewLease(name, 'no-such-lease', 'x', '1m'), (error) => isDrydockError(error, 'not_found'));
      const short = await daemon.client.holdLease(name, 'short task', '1s');
      await waitFor('the short lease to expire', 10_000, () => Date.now() > Date.parse(short.expiresAt) + 200);
      await assert.rejects(daemon.client.renewLease(name, short.leaseId, 'short task', '1m'), (error) => isDrydockError(error, 'not_found'));
      // Held by the long lease past its 3 s threshold; released, auto-off stops it well before that lease would expire.
      assert.equal((await daemon.workspace(name)).state, 'running');
      assert.deepEqual(await daemon.client.releaseLease(name, held.leaseId), { released: true });
      await daemon.waitForEvent(isFor(name, 'auto-stopped'), 20_000);
      assert.ok(Date.now() < Date.parse(renewed.expiresAt), 'stopped before the released lease would have expired');
    });
  });

  void describe('a backend with auto-off of an hour', () => {
    let daemon: TestDaemon;
    before(async () => {
      daemon = await daemonWith({ autoOff: { default: '1h', warnBefore: [], maxExtension: '2h' } });
    });

    void it('extends by a duration or until a time, refuses more than maxExtension with the reason, and refuses a stopped workspace', async () => {
      const name = workspace('extend');
      await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
      const byDuration = await daemon.client.extend(name, { duration: '90m' });
      near(Date.parse(byDuration.deadline ?? ''), Date.now() + 90 * MINUTE, 10_000, 'extended by 90m');
      near(Date.parse((await daemon.workspace(name)).deadline ?? ''), Date.now() + 90 * MINUTE, 10_000, 'the workspace shows it');
      const until = new Date(Date.now() + 110 * MINUTE);
      const byTime = await daemon.client.extend(name, { until });
      near(Date.parse(byTime.deadline ?? ''), until.getTime(), 1_000, 'extended until a time');
      await assert.rejects(
        daemon.client.extend(name, { duration: '3h' }),
        (error) => isDrydockError(error, 'policy_refused') && /maxExtension/.test(error.message) && /2h/.test(error.message),
      );
      await assert.rejects(
        daemon.client.extend(name, { until: new Date(Date.now() + 150 * MINUTE) }),
        (error) => isDrydockError(error, 'policy_refused') && /maxExtension/.test(error.message),
      );
      near(Date.parse((await daemon.workspace(name)).deadline ?? ''), until.getTime(), 1_000, 'a refused extension changes nothing');
      await daemon.client.stop(name);
      await assert.rejects(daemon.client.extend(name, { duration: '30m' }), (error) => isDrydockError(error, 'conflict') && /not running/.test(error.message));
    });

    void it('brings a commit made to the dotfiles repository between two builds into ~/dotfiles', async () => {
      const repo = mkdtempSync(join(tmpdir(), 'dd-dotfiles-'));
      cleanups.push(() => rmSync(repo, { recursive: true, force: true }));
      const git = simpleGit(repo);
      await git.init(['--initial-branch=main']);
      await git.addConfig('user.email', 'test@example.com').addConfig('user.name', 'Test');
      writeFileSync(join(repo, '.aliases'), 'alias ll="ls -l" # first\n');
      await git.add('.').commit('first');
      const name = workspace('dotup');
      const first = await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never', dotfiles: { url: repo } });
      assert.equal(dockerExec(`drydock-${name}`, 'cat ~/dotfiles/.aliases'), 'alias ll="ls -l" # first');

      writeFileSync(join(repo, '.aliases'), 'alias ll="ls -la" # second\n');
      writeFileSync(join(repo, '.added'), 'new file\n');
      await git.add('.').commit('second');
      const { buildId } = await daemon.client.rebuild(name);
      assert.notEqual(buildId, first.lastBuild?.buildId);
      await daemon.waitForEvent(
        (event) =>
          event.type === 'workspace' &&
          event.workspace.name === name &&
          event.workspace.lastBuild?.buildId === buildId &&
          event.workspace.lastBuild.status !== 'building',
        60_000,
      );
      assert.equal((await daemon.workspace(name)).state, 'running');
      assert.equal(dockerExec(`drydock-${name}`, 'cat ~/dotfiles/.aliases ~/dotfiles/.added'), 'alias ll="ls -la" # second\nnew file');
    });

    void it('runs configure from a custom configurePath as the user, and not the default path', async () => {
      const name = workspace('confpath');
      await createRunning(daemon, { name, image: CUSTOM_CONFIGURE_IMAGE, pullPolicy: 'never', configurePath: '/opt/setup/run' });
      const container = `drydock-${name}`;
      assert.equal(dockerExec(container, 'cat ~/.configure-runs'), 'run');
      assert.equal(dockerExec(container, 'test -e ~/.default-configure-ran && echo ran || echo absent'), 'absent');
      const log = await daemon.client.buildLog(name, (await daemon.workspace(name)).lastBuild?.buildId ?? '');
      assert.match(log, /configure uid=1000 user=dev home=\/home\/dev/);
    });
  });

  void describe('the launcher', () => {
    void it('asks a backend of another version to shut down and starts one of its own', async () => {
      const stateDir = newStateDir();
      const locations = resolveLocations({ DRYDOCK_STATE_DIR: stateDir });
      // A stand-in for an older backend: answers health with another version and records the shutdown request.
      const calls: string[] = [];
      // Above any pid_max, so it names no process.
      const FAKE_PID = 2 ** 31 - 2;
      const old: Server = createServer((request, response) => {
        calls.push(`${request.method} ${request.url}`);
        response.setHeader('content-type', 'application/json');
        if (request.url === '/v1/health') {
          response.end(JSON.stringify({ status: 'ok', version: '0.0.1-old', pid: FAKE_PID, startedAt: new Date().toISOString(), docker: { reachable: true } }));
        } else if (request.method === 'POST' && request.url === '/v1/shutdown') {
          response.statusCode = 202;
          response.end(JSON.stringify({ stopping: true, waitingFor: [] }), () => old.close());
          old.closeAllConnections();
        } else {
          response.statusCode = 404;
          response.end(JSON.stringify({ error: { code: 'not_found', message: 'not here' } }));
        }
      });
      let newPid: number | undefined;
      try {
        mkdirSync(locations.socketDir, { recursive: true, mode: 0o700 });
        await new Promise<void>((resolve, reject) => old.once('error', reject).listen(locations.socketPath, resolve));
        const statuses: string[] = [];
        const client = await connectBackend({
          locations,
          backendScript: join(ROOT, 'dist/backend.js'),
          env: { ...process.env, DRYDOCK_STATE_DIR: stateDir, DRYDOCK_POLICY: join(stateDir, 'policy.json') },
          version: VERSION,
          onStatus: (message) => statuses.push(message),
        });
        assert.ok(calls.includes('POST /v1/shutdown'), `the old backend was asked to shut down: ${calls.join(', ')}`);
        assert.equal(old.listening, false);
        const health = await client.health();
        // Only a backend of our version is one this test started, and only its pid is ever signalled.
        assert.equal(health.version, VERSION);
        assert.notEqual(health.pid, FAKE_PID);
        newPid = health.pid;
        assert.match(statuses.join('\n'), /running 0\.0\.1-old, this is/);
        assert.equal((await new DrydockClient(locations.socketPath).health()).pid, newPid);
      } finally {
        old.close();
        // Whatever backend of ours answers there now (even if an assertion failed before its pid was known) is asked to stop.
        const running = await new DrydockClient(locations.socketPath).health().catch(() => undefined);
        const pid = running?.version === VERSION && running.pid !== FAKE_PID ? running.pid : newPid;
        if (pid !== undefined) {
          await new DrydockClient(locations.socketPath).shutdown().catch(() => undefined);
          await waitFor('the started backend to exit', 30_000, () => {
            try {
              process.kill(pid, 0);
              return false;
            } catch {
              return true;
            }
          });
        }
        removeStateDir(stateDir);
      }
    });
  });
});

function readState(stateDir: string): string {
  return readFileSync(resolveLocations({ DRYDOCK_STATE_DIR: stateDir }).stateFile, 'utf8');
}
