import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDrydockError, type ErrorCode } from '../../src/core/errors';
import { observedState, shownState, STORED_STATES, transition, WORKSPACE_STATES, type StoredState, type WorkspaceEvent } from '../../src/core/state';

const EVENTS: readonly Exclude<WorkspaceEvent, 'reconcile'>[] = ['build', 'built', 'buildFailed', 'stop', 'stopped'];

/** Every allowed transition; every other (state, event) pair is refused. */
const ALLOWED: Record<string, StoredState> = {
  'off build': 'building',
  'running build': 'building',
  'failed build': 'building',
  'building built': 'running',
  'building buildFailed': 'failed',
  'running stop': 'stopping',
  'failed stop': 'stopping',
  'off stop': 'off',
  'stopping stopped': 'off',
};

/** Why a refused event is refused depends only on the current state. */
const REFUSAL: Record<StoredState, ErrorCode> = {
  off: 'conflict',
  running: 'conflict',
  failed: 'conflict',
  building: 'busy',
  stopping: 'busy',
};

function assertRefused(state: StoredState, event: WorkspaceEvent, code: ErrorCode, ...fragments: string[]): void {
  assert.throws(
    () => transition(state, event),
    (error: unknown) => {
      assert.ok(isDrydockError(error, code), `${event} from ${state}: expected ${code}, got ${String(error)}`);
      for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should mention "${fragment}"`);
      return true;
    },
  );
}

void describe('transition', () => {
  void it('follows every allowed transition', () => {
    for (const [key, next] of Object.entries(ALLOWED)) {
      const [state, event] = key.split(' ') as [StoredState, WorkspaceEvent];
      assert.equal(transition(state, event), next, key);
    }
  });

  void it('refuses every other event with a code that depends on the state', () => {
    let refused = 0;
    for (const state of STORED_STATES) {
      for (const event of EVENTS) {
        if (`${state} ${event}` in ALLOWED) continue;
        assertRefused(state, event, REFUSAL[state]);
        refused += 1;
      }
    }
    assert.equal(refused, STORED_STATES.length * EVENTS.length - Object.keys(ALLOWED).length);
  });

  void it('refuses a build while building as busy, pointing at the running build', () => {
    assertRefused('building', 'build', 'busy', 'already building', 'logs');
  });

  void it('names the workspace in a refusal when given one, and never prints a NAME placeholder', () => {
    for (const [state, event] of [
      ['building', 'build'],
      ['stopping', 'stop'],
      ['running', 'stopped'],
    ] as const) {
      assert.throws(
        () => transition(state, event, undefined, 'api'),
        (error: unknown) => {
          assert.ok(isDrydockError(error), String(error));
          assert.match(error.message, /workspace api\b/);
          assert.doesNotMatch(error.message, /NAME/);
          return true;
        },
      );
      assert.throws(
        () => transition(state, event),
        (error: unknown) => isDrydockError(error) && !/NAME/.test(error.message),
      );
    }
    assert.throws(() => transition('building', 'build', undefined, 'api'), /drydock logs api --follow/);
  });

  void it('refuses events while stopping as busy', () => {
    assertRefused('stopping', 'build', 'busy', 'stopping');
    assertRefused('stopping', 'stop', 'busy');
  });

  void it('refuses stopped while running as a conflict saying what and the state in words', () => {
    assertRefused('running', 'stopped', 'conflict', 'mark as stopped', 'running');
    assertRefused('off', 'built', 'conflict', 'finish a build of', 'off');
  });

  void it('reconcile returns the observed state from any state', () => {
    for (const state of STORED_STATES) {
      for (const observed of ['off', 'running', 'failed'] as const) assert.equal(transition(state, 'reconcile', observed), observed, `${state} -> ${observed}`);
    }
  });

  void it('reconcile without an observed state is an internal error', () => {
    assert.throws(
      () => transition('running', 'reconcile'),
      (error: unknown) => isDrydockError(error, 'internal'),
    );
  });
});

void describe('shownState', () => {
  void it('shows the stored state while Docker answers, and unknown for every state while it does not', () => {
    for (const state of STORED_STATES) {
      assert.equal(shownState(state, true), state);
      assert.equal(shownState(state, false), 'unknown');
    }
    assert.deepEqual([...WORKSPACE_STATES], [...STORED_STATES, 'unknown']);
  });
});

void describe('observedState', () => {
  void it('is off without a container', () => {
    assert.equal(observedState(undefined), 'off');
  });

  void it('is running for a running container', () => {
    assert.equal(observedState({ running: true }), 'running');
  });

  void it('is failed for a container that exists but does not run', () => {
    assert.equal(observedState({ running: false }), 'failed');
  });
});
