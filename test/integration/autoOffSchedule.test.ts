import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isDrydockError } from '../../src/core/errors';
import type { DaemonEvent } from '../../src/api/views';
import { waitFor } from '../support/cliSandbox';
import { docker, dockerExec } from '../support/docker';
import { createRunning, policyDaemons, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { buildTestImage, removeImage } from '../support/testImage';

const IMAGE = 'drydock-test/autooff:1';
const writePolicy = (daemon: { stateDir: string }, policy: unknown): void => writeFileSync(join(daemon.stateDir, 'policy.json'), JSON.stringify(policy));
const isFor = (name: string, type: DaemonEvent['type']) => (event: DaemonEvent) =>
  event.type === type && 'workspace' in event && (typeof event.workspace === 'string' ? event.workspace : event.workspace?.name) === name;
const homeFile = (name: string, file: string): string => docker(['run', '--rm', '-v', `drydock-${name}-home:/h`, IMAGE, 'cat', `/h/${file}`]);

/** The backend's events from now on, each with when it arrived here (same host, same clock as the backend's). */
interface TimedEvents {
  seen: { at: number; event: DaemonEvent }[];
  close: () => void;
}

async function timedEvents(daemon: TestDaemon): Promise<TimedEvents> {
  const seen: TimedEvents['seen'] = [];
  const listening = new AbortController();
  void daemon.client.events((event) => seen.push({ at: Date.now(), event }), listening.signal).catch(() => undefined);
  // The feed starts with a snapshot of each workspace: then it is listening.
  await waitFor('the event stream', 10_000, () => seen.length > 0);
  return { seen, close: () => listening.abort() };
}

/** When the first event showing `name` no longer running arrived. */
const firstNotRunning = (timed: TimedEvents, name: string): Promise<number> =>
  waitFor(`an event showing ${name} not running`, 30_000, () => {
    const found = timed.seen.find(({ event }) => event.type === 'workspace' && event.workspace.name === name && event.workspace.state !== 'running');
    return found?.at;
  });

void describe('auto-off, forced rebuilds and auto-start in a real backend', () => {
  const { workspace, daemonWith, own, cleanUp } = policyDaemons();

  before(() => buildTestImage(IMAGE));
  after(async () => {
    await cleanUp();
    removeImage(IMAGE);
  });

  void it('warns, then really stops an idle workspace at its deadline, keeping home', async () => {
    const daemon = await daemonWith({ autoOff: { default: '6s', warnBefore: ['3s'] } });
    const name = workspace('idle');
    await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
    dockerExec(`drydock-${name}`, 'echo precious > ~/work.txt');
    const stopped = await daemon.waitForEvent(isFor(name, 'auto-stopped'), 30_000);
    const warning = daemon.events.findIndex(isFor(name, 'deadline-warning'));
    assert.ok(warning >= 0 && warning < daemon.events.indexOf(stopped), 'a warning came before the stop');
    assert.equal(docker(['ps', '-aq', '--filter', `label=dev.drydock.workspace=${name}`]), '');
    assert.equal((await daemon.workspace(name)).state, 'off');
    assert.equal(homeFile(name, 'work.txt'), 'precious');
  });

  void it('postpones the deadline on a heartbeat', async (t) => {
    const daemon = await daemonWith({ autoOff: { default: '6s', warnBefore: ['3s'] } });
    const name = workspace('beat');
    const first = await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
    const timed = await timedEvents(daemon);
    t.after(timed.close);
    // The heartbeat comes once the first deadline is 3 s away (its warning is out), so it has something to postpone.
    const warning = await daemon.waitForEvent(isFor(name, 'deadline-warning'), 15_000);
    assert.equal(warning.type === 'deadline-warning' ? warning.deadline : undefined, first.deadline, 'the warning is for the first deadline');
    const { deadline } = await daemon.client.activity(name, 'cli');
    assert.ok(deadline, 'a running workspace with auto-off on has a deadline');
    assert.ok(Date.parse(deadline) - Date.parse(first.deadline ?? '') >= 2500, `deadline moved from ${first.deadline} to ${deadline}`);
    const down = await firstNotRunning(timed, name);
    assert.ok(
      down >= Date.parse(deadline),
      `still running past the first deadline ${first.deadline}: stopped at ${new Date(down).toISOString()}, not before ${deadline}`,
    );
    await daemon.waitForEvent(isFor(name, 'auto-stopped'), 15_000);
    assert.equal((await daemon.workspace(name)).state, 'off');
  });

  void it('keeps a workspace alive while a lease is held, and lets it go when the lease expires', async (t) => {
    const daemon = await daemonWith({ autoOff: { default: '3s', warnBefore: [] } });
    const name = workspace('lease');
    const built = await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
    const timed = await timedEvents(daemon);
    t.after(timed.close);
    const { leaseId, expiresAt } = await daemon.client.holdLease(name, 'test task', '9s');
    assert.ok(leaseId);
    assert.ok(Date.parse(expiresAt) - Date.parse(built.deadline ?? '') >= 5000, `the lease (to ${expiresAt}) outlasts the 3 s threshold (${built.deadline})`);
    const down = await firstNotRunning(timed, name);
    assert.ok(
      down >= Date.parse(expiresAt),
      `held past its 3 s threshold by the lease, stopped only once it expired: stopped at ${new Date(down).toISOString()}, lease to ${expiresAt}`,
    );
    await daemon.waitForEvent(isFor(name, 'auto-stopped'), 20_000);
    assert.equal((await daemon.workspace(name)).state, 'off');
  });

  void it('refuses to turn auto-off off when the policy locks it, naming the rule', async () => {
    const daemon = await daemonWith({ autoOff: { default: '1h', allowDisable: false } });
    const name = workspace('locked');
    await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
    await assert.rejects(daemon.client.setAutoOff(name, 'off'), (error) => isDrydockError(error, 'policy_refused') && /allowDisable/.test(error.message));
    const view = await daemon.workspace(name);
    assert.equal(view.autoOff?.threshold, '1h');
    assert.equal(view.autoOff?.source, 'policy default');
    await daemon.client.setAutoOff(name, '30m');
    assert.equal((await daemon.workspace(name)).autoOff?.threshold, '30m');
  });

  void it('rebuilds a running workspace built before the policy requires, after a warning', async () => {
    const daemon = await daemonWith({ autoOff: { default: '1h', warnBefore: ['3s'] } });
    const name = workspace('forced');
    const before = await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
    const requiredAt = new Date(Date.now() + 6000).toISOString();
    // The policy file changes under a running backend: no restart needed.
    writePolicy(daemon, { autoOff: { default: '1h', warnBefore: ['3s'] }, forcedRebuild: { builtAfter: requiredAt, reason: 'security fix' } });
    const warning = await daemon.waitForEvent(
      (event) => event.type === 'deadline-warning' && event.workspace === name && event.reason === 'forced-rebuild',
      15_000,
    );
    assert.match((warning as { message: string }).message, /security fix/);
    await daemon.waitForEvent(
      (event) =>
        event.type === 'workspace' &&
        event.workspace.name === name &&
        event.workspace.lastBuild?.buildId !== before.lastBuild?.buildId &&
        event.workspace.lastBuild?.status === 'running',
      60_000,
    );
    const after = await daemon.workspace(name);
    assert.ok(Date.parse(after.builtAt ?? '') >= Date.parse(requiredAt), `rebuilt at ${after.builtAt}, required after ${requiredAt}`);
    assert.equal(after.forcedRebuild, undefined);
  });

  void it('starts a stopped workspace at its scheduled time, and catches up a start missed while the backend was down', async () => {
    const live = await daemonWith({ autoOff: { default: '1h' } });
    const down = await daemonWith({ autoOff: { default: '1h' } });
    const onTime = workspace('sched');
    const missed = workspace('catchup');
    await createRunning(live, { name: onTime, image: IMAGE, pullPolicy: 'never' });
    await createRunning(down, { name: missed, image: IMAGE, pullPolicy: 'never' });
    await live.client.stop(onTime);
    await down.client.stop(missed);

    // Cron has minute resolution: aim at the next minute with at least 5 s to spare.
    await waitFor('the next minute to be 5 s away or more', 10_000, () => 60 - new Date().getUTCSeconds() >= 5, 250);
    const at = new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000);
    const cron = `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
    await live.client.setSchedule(onTime, { cron, timeZone: 'UTC' });
    await down.client.setSchedule(missed, { cron, timeZone: 'UTC' });
    assert.equal((await live.workspace(onTime)).schedule?.nextRun, at.toISOString());

    // One backend is down at that moment.
    await down.stop();
    const started = await live.waitForEvent((event) => event.type === 'auto-start' && event.workspace === onTime && event.status === 'started', 90_000);
    assert.ok(started);
    const onTimeView = await live.workspace(onTime);
    assert.equal(onTimeView.state, 'running');
    assert.equal(onTimeView.schedule?.lastAutoStart?.scheduledFor, at.toISOString());
    assert.ok(Date.parse(onTimeView.schedule?.nextRun ?? '') > at.getTime(), 'the next run is shown and in the future');
    // The start resets its activity clock: a fresh deadline about an hour out.
    assert.ok(Date.parse(onTimeView.deadline ?? '') - Date.now() > 50 * 60_000);

    // The other backend comes back within the catch-up window and starts its workspace then.
    const restarted = await startDaemon(down.stateDir);
    own(restarted);
    await restarted.waitForEvent((event) => event.type === 'auto-start' && event.workspace === missed && event.status === 'started', 90_000);
    const missedView = await restarted.workspace(missed);
    assert.equal(missedView.state, 'running');
    assert.equal(missedView.schedule?.lastAutoStart?.scheduledFor, at.toISOString());
  });
});
