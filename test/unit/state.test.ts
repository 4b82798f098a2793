import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDrydockError, type ErrorCode } from '../../src/core/errors';
import { observedState, transition, WORKSPACE_STATES, type WorkspaceEvent, type WorkspaceState } from '../../src/core/state';

const EVENTS: readonly Exclude<WorkspaceEvent, 'reconcile'>[] = ['build', 'built', 'buildFailed', 'stop', 'stopped', 'dockerLost'];

/** Every allowed transition; every other (state, event) pair is refused. */
const ALLOWED: Record<string, WorkspaceState> = {
  'off build': 'building',
  'running build': 'building',
  'failed build': 'building',
  'building built': 'running',
  'building buildFailed': 'failed',
  'running stop': 'stopping',
  'failed stop': 'stopping',
  'off stop': 'off',
  'stopping stopped': 'off',
  'off dockerLost': 'unknown',
  'building dockerLost': 'unknown',
  'running dockerLost': 'unknown',
  'failed dockerLost': 'unknown',
  'stopping dockerLost': 'unknown',
  'unknown dockerLost': 'unknown',
};

/** Why a refused event is refused depends only on the current state. */
const REFUSAL: Record<WorkspaceState, ErrorCode> = {
  off: 'conflict',
  running: 'conflict',
  failed: 'conflict',
  building: 'busy',
  stopping: 'busy',
  unknown: 'docker_unreachable',
};

function assertRefused(state: WorkspaceState, event: WorkspaceEvent, code: ErrorCode, ...fragments: string[]): void {
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
      const [state, event] = key.split(' ') as [WorkspaceState, WorkspaceEvent];
      assert.equal(transition(state, event), next, key);
    }
  });

  void it('refuses every other event with a code that depends on the state', () => {
    let refused = 0;
    for (const state of WORKSPACE_STATES) {
      for (const event of EVENTS) {
        if (`${state} ${event}` in ALLOWED) continue;
        assertRefused(state, event, REFUSAL[state]);
        refused += 1;
      }
    }
    assert.equal(refused, WORKSPACE_STATES.length * EVENTS.length - Object.keys(ALLOWED).length);
  });

  void it('refuses a build while building as busy, pointing at the running build', () => {
    assertRefused('building', 'build', 'busy', 'already building', 'logs');
  });

  void it('refuses events while stopping as busy', () => {
    assertRefused('stopping', 'build', 'busy', 'stopping');
    assertRefused('stopping', 'stop', 'busy');
  });

  void it('refuses stopped while running as a conflict naming event and state', () => {
    assertRefused('running', 'stopped', 'conflict', 'stopped', 'running');
    assertRefused('off', 'built', 'conflict', 'built', 'off');
  });

  void it('refuses every event but dockerLost and reconcile while Docker is unreachable', () => {
    for (const event of EVENTS.filter((candidate) => candidate !== 'dockerLost')) {
      assertRefused('unknown', event, 'docker_unreachable', 'Docker');
    }
  });

  void it('goes to unknown from every state when Docker is lost', () => {
    for (const state of WORKSPACE_STATES) assert.equal(transition(state, 'dockerLost'), 'unknown', state);
  });

  void it('reconcile returns the observed state from any state', () => {
    for (const state of WORKSPACE_STATES) {
      for (const observed of WORKSPACE_STATES) assert.equal(transition(state, 'reconcile', observed), observed, `${state} -> ${observed}`);
    }
  });

  void it('reconcile without an observed state is an internal error', () => {
    assert.throws(() => transition('unknown', 'reconcile'), (error: unknown) => isDrydockError(error, 'internal'));
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

  void it('reconciles an unknown workspace to what Docker shows', () => {
    assert.equal(transition('unknown', 'reconcile', observedState({ running: true })), 'running');
    assert.equal(transition('unknown', 'reconcile', observedState(undefined)), 'off');
  });
});
