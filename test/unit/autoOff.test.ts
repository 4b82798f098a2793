import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  detectClockJump,
  due,
  effectiveDeadline,
  extend,
  holdLease,
  nextWakeUp,
  recordActivity,
  releaseLease,
  startClock,
  type ActivityState,
  type ClockEffect,
} from '../../src/core/autoOff';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0); // a Monday, 09:00 UTC
const THRESHOLD = HOUR;
const WARN = [5 * MINUTE, MINUTE];

/** Runs due() at `now`, returning the new state and its effects. */
function tick(state: ActivityState, now: number): [ActivityState, ClockEffect[]] {
  const result = due(state, now, WARN);
  return [result.state, result.effects];
}

void describe('activity clock', () => {
  void it('starts with a deadline one threshold away, or none when off', () => {
    assert.deepEqual(startClock(T0, THRESHOLD), { lastActivityAt: T0, deadline: T0 + HOUR, leases: [], warned: [] });
    assert.equal(startClock(T0, 'off').deadline, undefined);
  });

  void it('moves the deadline with each activity', () => {
    let state = startClock(T0, THRESHOLD);
    state = recordActivity(state, T0 + 10 * MINUTE, THRESHOLD);
    assert.equal(state.deadline, T0 + 70 * MINUTE);
    assert.equal(state.lastActivityAt, T0 + 10 * MINUTE);
    state = recordActivity(state, T0 + 20 * MINUTE, 2 * HOUR); // a new threshold applies from the next activity
    assert.equal(state.deadline, T0 + 140 * MINUTE);
    assert.deepEqual(tick(state, T0 + 136 * MINUTE)[1], [{ kind: 'warn', offsetMs: 5 * MINUTE, deadline: T0 + 140 * MINUTE }]);
  });

  void it('warns at 5m and 1m, each once per deadline, then stops', () => {
    let state = startClock(T0, THRESHOLD);
    let effects: ClockEffect[];
    [state, effects] = tick(state, T0 + 54 * MINUTE);
    assert.deepEqual(effects, []);
    [state, effects] = tick(state, T0 + 55 * MINUTE);
    assert.deepEqual(effects, [{ kind: 'warn', offsetMs: 5 * MINUTE, deadline: T0 + HOUR }]);
    [state, effects] = tick(state, T0 + 56 * MINUTE);
    assert.deepEqual(effects, []);
    [state, effects] = tick(state, T0 + 59 * MINUTE);
    assert.deepEqual(effects, [{ kind: 'warn', offsetMs: MINUTE, deadline: T0 + HOUR }]);
    assert.deepEqual(state.warned, [5 * MINUTE, MINUTE]);
    [state, effects] = tick(state, T0 + 59 * MINUTE + 30 * SECOND);
    assert.deepEqual(effects, []);
    [, effects] = tick(state, T0 + HOUR + 2 * SECOND);
    assert.deepEqual(effects, [{ kind: 'stop', deadline: T0 + HOUR, overdueMs: 2 * SECOND }]);
  });

  void it('warns again after activity moves the deadline', () => {
    let state = startClock(T0, THRESHOLD);
    [state] = tick(state, T0 + 55 * MINUTE);
    state = recordActivity(state, T0 + 57 * MINUTE, THRESHOLD);
    assert.deepEqual(state.warned, []);
    assert.deepEqual(tick(state, T0 + 60 * MINUTE)[1], []);
    assert.deepEqual(tick(state, T0 + 112 * MINUTE)[1], [{ kind: 'warn', offsetMs: 5 * MINUTE, deadline: T0 + 117 * MINUTE }]);
  });

  void it('after a sleep past several warnings sends only the nearest, then stops', () => {
    let state = startClock(T0, THRESHOLD);
    let effects: ClockEffect[];
    [state, effects] = tick(state, T0 + 59 * MINUTE + 10 * SECOND);
    assert.deepEqual(effects, [{ kind: 'warn', offsetMs: MINUTE, deadline: T0 + HOUR }]);
    [state, effects] = tick(state, T0 + 59 * MINUTE + 20 * SECOND);
    assert.deepEqual(effects, [], 'the skipped 5m warning is not sent late');
    [, effects] = tick(state, T0 + HOUR);
    assert.deepEqual(effects, [{ kind: 'stop', deadline: T0 + HOUR, overdueMs: 0 }]);
  });

  void it('after a sleep past the deadline stops at once without warnings', () => {
    const state = startClock(T0, THRESHOLD);
    assert.deepEqual(tick(state, T0 + 3 * HOUR)[1], [{ kind: 'stop', deadline: T0 + HOUR, overdueMs: 2 * HOUR }]);
  });

  void it('does not warn at every heartbeat when the threshold is shorter than a warning', () => {
    const state = startClock(T0, 3 * MINUTE);
    assert.deepEqual(tick(state, T0)[1], []);
    assert.deepEqual(tick(state, T0 + 2 * MINUTE)[1], [{ kind: 'warn', offsetMs: MINUTE, deadline: T0 + 3 * MINUTE }]);
    assert.equal(nextWakeUp(state, T0, WARN), T0 + 2 * MINUTE);
  });

  void it('keeps the workspace alive with a lease past the deadline; expiry releases it', () => {
    let state = startClock(T0, THRESHOLD);
    state = holdLease(state, T0 + 50 * MINUTE, { id: 'task-1', holder: 'vscode task build', ttlMs: 15 * MINUTE });
    assert.equal(effectiveDeadline(state, T0 + 50 * MINUTE), T0 + 65 * MINUTE);
    assert.deepEqual(tick(state, T0 + 55 * MINUTE)[1], [], 'no warning while busy');
    state = holdLease(state, T0 + 58 * MINUTE, { id: 'task-1', holder: 'vscode task build', ttlMs: 15 * MINUTE });
    assert.equal(state.leases.length, 1, 'renewing replaces the lease');
    assert.equal(effectiveDeadline(state, T0 + 61 * MINUTE), T0 + 73 * MINUTE);
    assert.deepEqual(tick(state, T0 + 61 * MINUTE)[1], []);
    // The client crashed: no renewal, so the lease expires and the overdue workspace stops.
    assert.equal(effectiveDeadline(state, T0 + 73 * MINUTE), T0 + HOUR);
    const [after, effects] = tick(state, T0 + 73 * MINUTE);
    assert.deepEqual(effects, [{ kind: 'stop', deadline: T0 + 73 * MINUTE, overdueMs: 0 }]);
    assert.deepEqual(after.leases, []);
  });

  void it('prunes expired leases and ignores them for the deadline', () => {
    let state = holdLease(startClock(T0, THRESHOLD), T0, { id: 'a', holder: 'exec', ttlMs: 2 * MINUTE });
    state = holdLease(state, T0 + 3 * MINUTE, { id: 'b', holder: 'exec', ttlMs: 2 * MINUTE });
    assert.deepEqual(
      state.leases.map((lease) => lease.id),
      ['b'],
    );
    assert.equal(effectiveDeadline(state, T0 + 3 * MINUTE), T0 + HOUR);
  });

  void it('counts releasing a lease as activity', () => {
    let state = startClock(T0, THRESHOLD);
    state = holdLease(state, T0 + 30 * MINUTE, { id: 'debug', holder: 'debug session', ttlMs: 2 * HOUR });
    state = releaseLease(state, T0 + 100 * MINUTE, 'debug', THRESHOLD);
    assert.deepEqual(state.leases, []);
    assert.equal(state.lastActivityAt, T0 + 100 * MINUTE);
    assert.equal(state.deadline, T0 + 160 * MINUTE);
    assert.equal(releaseLease(state, T0 + 110 * MINUTE, 'unknown', THRESHOLD), state);
  });

  void it('extends until a time, which later activity does not shorten', () => {
    let state = startClock(T0, THRESHOLD);
    [state] = tick(state, T0 + 55 * MINUTE);
    state = extend(state, T0 + 56 * MINUTE, T0 + 3 * HOUR, THRESHOLD);
    assert.equal(state.deadline, T0 + 3 * HOUR);
    assert.deepEqual(state.warned, []);
    state = recordActivity(state, T0 + HOUR, THRESHOLD);
    assert.equal(state.deadline, T0 + 3 * HOUR);
    assert.equal(extend(state, T0 + HOUR, T0 + 2 * HOUR, THRESHOLD).deadline, T0 + 3 * HOUR, 'never shortened');
    // Once the extension has passed, activity is back to the threshold.
    state = recordActivity(state, T0 + 4 * HOUR, THRESHOLD);
    assert.equal(state.deadline, T0 + 5 * HOUR);
    assert.equal(state.extendedUntil, undefined);
  });

  void it('has no deadline and no effects when off', () => {
    let state = startClock(T0, 'off');
    state = recordActivity(state, T0 + MINUTE, 'off');
    state = extend(state, T0 + MINUTE, T0 + HOUR, 'off');
    state = holdLease(state, T0 + MINUTE, { id: 'x', holder: 'exec', ttlMs: MINUTE });
    assert.equal(state.deadline, undefined);
    assert.equal(effectiveDeadline(state, T0 + MINUTE), undefined);
    assert.deepEqual(tick(state, T0 + 10 * HOUR)[1], []);
    assert.equal(nextWakeUp(state, T0 + MINUTE, WARN), undefined);
    assert.equal(recordActivity(state, T0 + 2 * MINUTE, THRESHOLD).deadline, T0 + 62 * MINUTE, 'turning it on sets a deadline');
    assert.equal(recordActivity(startClock(T0, THRESHOLD), T0, 'off').deadline, undefined, 'turning it off clears it');
  });
});

void describe('nextWakeUp', () => {
  const state = startClock(T0, THRESHOLD);

  void it('is the next warning, then the deadline', () => {
    assert.equal(nextWakeUp(state, T0, WARN), T0 + 55 * MINUTE);
    const [warned5] = tick(state, T0 + 55 * MINUTE);
    assert.equal(nextWakeUp(warned5, T0 + 55 * MINUTE, WARN), T0 + 59 * MINUTE);
    const [warned1] = tick(warned5, T0 + 59 * MINUTE);
    assert.equal(nextWakeUp(warned1, T0 + 59 * MINUTE, WARN), T0 + HOUR);
    assert.equal(nextWakeUp(state, T0, []), T0 + HOUR);
  });

  void it('is now when something is already due', () => {
    assert.equal(nextWakeUp(state, T0 + 57 * MINUTE, WARN), T0 + 57 * MINUTE);
    assert.equal(nextWakeUp(state, T0 + 2 * HOUR, WARN), T0 + 2 * HOUR);
  });

  void it('is the first lease expiry while busy', () => {
    let busy = holdLease(state, T0 + 10 * MINUTE, { id: 'a', holder: 'exec', ttlMs: 2 * HOUR });
    busy = holdLease(busy, T0 + 20 * MINUTE, { id: 'b', holder: 'exec', ttlMs: 90 * MINUTE });
    assert.equal(nextWakeUp(busy, T0 + 20 * MINUTE, WARN), T0 + 110 * MINUTE);
    assert.equal(nextWakeUp(busy, T0 + 115 * MINUTE, WARN), T0 + 130 * MINUTE);
    assert.equal(nextWakeUp(busy, T0 + 130 * MINUTE, WARN), T0 + 130 * MINUTE, 'all expired and overdue: stop now');
  });
});

void describe('detectClockJump', () => {
  void it('tells a late timer (sleep) from an early one (clock set back) within a tolerance', () => {
    assert.equal(detectClockJump(T0, T0), 'none');
    assert.equal(detectClockJump(T0, T0 + 5 * SECOND), 'none');
    assert.equal(detectClockJump(T0, T0 - 5 * SECOND), 'none');
    assert.equal(detectClockJump(T0, T0 + 5 * SECOND + 1), 'forward');
    assert.equal(detectClockJump(T0, T0 + 8 * HOUR), 'forward');
    assert.equal(detectClockJump(T0, T0 - MINUTE), 'backward');
    assert.equal(detectClockJump(T0, T0 + 30 * SECOND, MINUTE), 'none');
  });
});
