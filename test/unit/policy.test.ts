import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDrydockError } from '../../src/core/errors';
import { BUILT_IN_POLICY, checkAutoOffChange, checkExtension, parseAutoOffSetting, parsePolicy, resolveAutoOff, type Policy } from '../../src/core/policy';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Asserts a DrydockError with `code` and `field` whose message contains every fragment; returns the message. */
function assertError(fn: () => unknown, code: 'invalid_input' | 'policy_refused', field: string, ...fragments: string[]): string {
  let message = '';
  assert.throws(fn, (error: unknown) => {
    assert.ok(isDrydockError(error, code), `expected ${code}, got ${String(error)}`);
    assert.equal(error.field, field);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should mention "${fragment}"`);
    message = error.message;
    return true;
  });
  return message;
}

function policy(autoOff: Partial<Policy['autoOff']>): Policy {
  return { ...BUILT_IN_POLICY, autoOff: { ...BUILT_IN_POLICY.autoOff, ...autoOff } };
}

void describe('parsePolicy', () => {
  void it('reads pullAhead: on with a 5 GiB floor by default; a floor is a size', () => {
    assert.deepEqual(BUILT_IN_POLICY.pullAhead, { enabled: true, minFreeDiskBytes: 5 * 1024 ** 3 });
    assert.deepEqual(parsePolicy({ pullAhead: { minFreeDisk: '20g' } }).pullAhead, { enabled: true, minFreeDiskBytes: 20 * 1024 ** 3 });
    assert.equal(parsePolicy({ pullAhead: { enabled: false } }).pullAhead.enabled, false);
    assertError(
      () => parsePolicy({ pullAhead: { minFreeDisk: 'lots' } }),
      'invalid_input',
      'pullAhead.minFreeDisk',
      'policy: pullAhead.minFreeDisk:',
      'is not a size',
    );
    assertError(
      () => parsePolicy({ pullAhead: { floor: '1g' } }),
      'invalid_input',
      'pullAhead.floor',
      'pullAhead.floor: is not a policy field',
      'enabled, minFreeDisk',
    );
  });

  void it('gives the built-in policy for an empty document or an empty autoOff', () => {
    assert.deepEqual(parsePolicy({}), BUILT_IN_POLICY);
    assert.deepEqual(parsePolicy({ autoOff: {} }), BUILT_IN_POLICY);
    assert.deepEqual(BUILT_IN_POLICY.autoOff, {
      defaultMs: 2 * HOUR,
      userMayChange: true,
      userMayDisable: true,
      maxLeaseMs: 15 * MINUTE,
      warnBeforeMs: [5 * MINUTE, MINUTE],
    });
    assert.equal(BUILT_IN_POLICY.forcedRebuild, undefined);
  });

  void it('reads a full document, sorting warnings descending without duplicates', () => {
    const parsed = parsePolicy({
      autoOff: {
        default: '1h',
        allowUserChange: true,
        allowDisable: false,
        min: '30m',
        max: '8h',
        maxExtension: '4h',
        maxLease: '10m',
        warnBefore: ['1m', '10m', '5m', '1m'],
      },
      forcedRebuild: { builtAfter: '2026-12-01T01:00:00+01:00', reason: ' openssl fix ' },
    });
    assert.deepEqual(parsed, {
      autoOff: {
        defaultMs: HOUR,
        userMayChange: true,
        userMayDisable: false,
        minMs: 30 * MINUTE,
        maxMs: 8 * HOUR,
        maxExtensionMs: 4 * HOUR,
        maxLeaseMs: 10 * MINUTE,
        warnBeforeMs: [10 * MINUTE, 5 * MINUTE, MINUTE],
      },
      forcedRebuild: { notBefore: '2026-12-01T00:00:00.000Z', reason: 'openssl fix' },
      pullAhead: BUILT_IN_POLICY.pullAhead,
    });
  });

  void it('accepts "off" as the default and an empty warning list', () => {
    const parsed = parsePolicy({ autoOff: { default: 'OFF', warnBefore: [] } });
    assert.equal(parsed.autoOff.defaultMs, 'off');
    assert.deepEqual(parsed.autoOff.warnBeforeMs, []);
  });

  void it('names every invalid field with its fix, one line each, prefixed with the source', () => {
    const message = assertError(
      () =>
        parsePolicy(
          {
            autoOff: { default: '2 hours', allowUserChange: 'no', allowDisable: 1, min: 30, max: '0s', maxExtension: '', maxLease: 'x', warnBefore: '5m' },
            forcedRebuild: { builtAfter: 'tomorrow', reason: '' },
          },
          '/etc/drydock/policy.json',
        ),
      'invalid_input',
      'autoOff.default',
    );
    const lines = message.split('\n');
    const expected: [string, string][] = [
      ['autoOff.default', 'write it like 90m, 2h, 1h30m or 45s, or "off".'],
      ['autoOff.allowUserChange', 'must be true or false'],
      ['autoOff.allowDisable', 'must be true or false'],
      ['autoOff.min', 'must be a duration string such as "30m"'],
      ['autoOff.max', 'is zero'],
      ['autoOff.maxExtension', 'is not a duration'],
      ['autoOff.maxLease', 'is not a duration'],
      ['autoOff.warnBefore', 'must be a list of durations'],
      ['forcedRebuild.builtAfter', 'like "2026-12-01T00:00:00Z"'],
      ['forcedRebuild.reason', 'say why'],
    ];
    assert.equal(lines.length, expected.length, message);
    expected.forEach(([field, fix], index) => {
      const line = lines[index] ?? '';
      assert.ok(line.startsWith(`/etc/drydock/policy.json: ${field}: `), line);
      assert.ok(line.includes(fix), `"${line}" should mention "${fix}"`);
    });
  });

  void it('names a bad entry of warnBefore by its index', () => {
    assertError(
      () => parsePolicy({ autoOff: { warnBefore: ['5m', 'soon'] } }),
      'invalid_input',
      'autoOff.warnBefore.1',
      'policy: autoOff.warnBefore.1: "soon" is not a duration',
    );
  });

  void it('refuses unknown keys at every level, listing the known ones', () => {
    const message = assertError(
      () => parsePolicy({ autoOf: {}, autoOff: { defaultMs: 1 }, forcedRebuild: { builtAfter: '2026-12-01T00:00:00Z', reason: 'x', at: 'y' } }),
      'invalid_input',
      'autoOff.defaultMs',
    );
    assert.match(message, /^policy: autoOff\.defaultMs: is not a policy field; remove it \(fields here: default, allowUserChange/m);
    assert.match(message, /^policy: forcedRebuild\.at: is not a policy field; remove it \(fields here: builtAfter, reason\)/m);
    assert.match(message, /^policy: autoOf: is not a policy field; remove it \(fields here: autoOff, forcedRebuild, pullAhead\)/m);
  });

  void it('refuses a document or section that is not an object', () => {
    assertError(() => parsePolicy([]), 'invalid_input', 'policy', 'policy: must be a JSON object');
    assertError(() => parsePolicy(null, 'p.json'), 'invalid_input', 'policy', 'p.json: must be a JSON object');
    assertError(() => parsePolicy({ autoOff: '2h' }), 'invalid_input', 'autoOff', 'policy: autoOff: must be an object such as');
    assertError(() => parsePolicy({ autoOff: [] }), 'invalid_input', 'autoOff', 'policy: autoOff: must be an object such as');
    assertError(() => parsePolicy({ forcedRebuild: 'now' }), 'invalid_input', 'forcedRebuild', 'must be an object such as');
  });

  void it('refuses min above max', () => {
    assertError(
      () => parsePolicy({ autoOff: { default: '1h', min: '2h', max: '30m' } }),
      'invalid_input',
      'autoOff.min',
      'autoOff.min: (2h) is more than max (30m); make min at most max.',
    );
  });

  void it('refuses a default outside the bounds', () => {
    assertError(() => parsePolicy({ autoOff: { min: '3h' } }), 'invalid_input', 'autoOff.default', '(2h) is below min (3h); raise default or lower min.');
    assertError(
      () => parsePolicy({ autoOff: { default: '10h', max: '8h' } }),
      'invalid_input',
      'autoOff.default',
      '(10h) is above max (8h); lower default or raise max.',
    );
    assert.equal(parsePolicy({ autoOff: { default: '30m', min: '30m', max: '30m' } }).autoOff.defaultMs, 30 * MINUTE);
  });

  void it('refuses a default of "off" that users may not disable', () => {
    assertError(() => parsePolicy({ autoOff: { default: 'off', allowDisable: false } }), 'invalid_input', 'autoOff.allowDisable', 'give default a duration');
  });

  void it('refuses a forced rebuild without a valid zoned instant or a reason', () => {
    for (const builtAfter of ['2026-12-01', '2026-12-01T00:00:00', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', 'soon']) {
      assertError(
        () => parsePolicy({ forcedRebuild: { builtAfter, reason: 'fix' } }),
        'invalid_input',
        'forcedRebuild.builtAfter',
        `"${builtAfter}" is not an ISO instant`,
      );
    }
    assertError(() => parsePolicy({ forcedRebuild: { reason: 'fix' } }), 'invalid_input', 'forcedRebuild.builtAfter', 'is required');
    assertError(() => parsePolicy({ forcedRebuild: { builtAfter: '2026-12-01T00:00:00Z' } }), 'invalid_input', 'forcedRebuild.reason', 'is required');
    assert.equal(parsePolicy({ forcedRebuild: { builtAfter: '2026-12-01T00:00:00.5Z', reason: 'x' } }).forcedRebuild?.notBefore, '2026-12-01T00:00:00.500Z');
  });
});

void describe('resolveAutoOff', () => {
  const open = policy({});
  const bounded = policy({ defaultMs: HOUR, minMs: 30 * MINUTE, maxMs: 8 * HOUR });
  const noDisable = policy({ userMayDisable: false });
  const noChange = policy({ userMayChange: false, minMs: 30 * MINUTE, maxMs: 8 * HOUR });
  const changeReason = 'the organization policy does not let users change auto-off (allowUserChange: false)';
  const disableReason = 'the organization policy does not let users turn auto-off off (allowDisable: false)';

  void it('inherits the policy default, unlocked', () => {
    assert.deepEqual(resolveAutoOff(open, 'inherit'), { thresholdMs: 2 * HOUR, source: 'policy default', locked: false });
    assert.deepEqual(resolveAutoOff(bounded, 'inherit'), { thresholdMs: HOUR, source: 'policy default', locked: false });
    assert.deepEqual(resolveAutoOff(policy({ defaultMs: 'off' }), 'inherit'), { thresholdMs: 'off', source: 'policy default', locked: false });
  });

  void it('turns off when users may disable it, else keeps the default and says why', () => {
    assert.deepEqual(resolveAutoOff(open, 'off'), { thresholdMs: 'off', source: 'workspace', locked: false });
    assert.deepEqual(resolveAutoOff(noDisable, 'off'), { thresholdMs: 2 * HOUR, source: 'policy default', locked: true, lockedReason: disableReason });
    assert.deepEqual(resolveAutoOff(noDisable, 'inherit'), { thresholdMs: 2 * HOUR, source: 'policy default', locked: false });
    assert.deepEqual(resolveAutoOff(noDisable, 3 * HOUR), { thresholdMs: 3 * HOUR, source: 'workspace', locked: false });
  });

  void it('uses a workspace duration within the bounds and clamps one outside them', () => {
    assert.deepEqual(resolveAutoOff(open, 10 * MINUTE), { thresholdMs: 10 * MINUTE, source: 'workspace', locked: false });
    assert.deepEqual(resolveAutoOff(bounded, 30 * MINUTE), { thresholdMs: 30 * MINUTE, source: 'workspace', locked: false });
    assert.deepEqual(resolveAutoOff(bounded, 8 * HOUR), { thresholdMs: 8 * HOUR, source: 'workspace', locked: false });
    assert.deepEqual(resolveAutoOff(bounded, 10 * MINUTE), { thresholdMs: 30 * MINUTE, source: 'policy minimum', locked: false });
    assert.deepEqual(resolveAutoOff(bounded, 9 * HOUR), { thresholdMs: 8 * HOUR, source: 'policy maximum', locked: false });
    assert.deepEqual(resolveAutoOff(policy({ minMs: HOUR }), 10 * HOUR), { thresholdMs: 10 * HOUR, source: 'workspace', locked: false });
    assert.deepEqual(resolveAutoOff(policy({ maxMs: 3 * HOUR }), MINUTE), { thresholdMs: MINUTE, source: 'workspace', locked: false });
  });

  void it('locks every setting to the default when users may not change it', () => {
    for (const setting of ['inherit', 'off', 10 * MINUTE, 5 * HOUR, 9 * HOUR] as const) {
      assert.deepEqual(resolveAutoOff(noChange, setting), { thresholdMs: 2 * HOUR, source: 'policy default', locked: true, lockedReason: changeReason });
    }
    const lockedOff = policy({ userMayChange: false, defaultMs: 'off' });
    assert.deepEqual(resolveAutoOff(lockedOff, HOUR), { thresholdMs: 'off', source: 'policy default', locked: true, lockedReason: changeReason });
  });
});

void describe('checkAutoOffChange', () => {
  void it('allows what the policy allows, and always allows inherit', () => {
    checkAutoOffChange(BUILT_IN_POLICY, 'off');
    checkAutoOffChange(BUILT_IN_POLICY, MINUTE);
    checkAutoOffChange(policy({ minMs: 30 * MINUTE, maxMs: 8 * HOUR }), 30 * MINUTE);
    checkAutoOffChange(policy({ minMs: 30 * MINUTE, maxMs: 8 * HOUR }), 8 * HOUR);
    checkAutoOffChange(policy({ userMayChange: false, userMayDisable: false }), 'inherit');
  });

  void it('refuses each forbidden change naming the rule', () => {
    const locked = policy({ userMayChange: false });
    assertError(() => checkAutoOffChange(locked, HOUR), 'policy_refused', 'autoOff', 'does not let users change auto-off (allowUserChange: false)');
    assertError(() => checkAutoOffChange(locked, 'off'), 'policy_refused', 'autoOff', 'allowUserChange: false');
    assertError(
      () => checkAutoOffChange(policy({ userMayDisable: false }), 'off'),
      'policy_refused',
      'autoOff',
      'does not let users turn auto-off off (allowDisable: false)',
      'set a duration instead',
    );
    assertError(
      () => checkAutoOffChange(policy({ minMs: 30 * MINUTE }), 29 * MINUTE),
      'policy_refused',
      'autoOff',
      'asks for at least 30m (min); choose 30m or more',
    );
    assertError(
      () => checkAutoOffChange(policy({ maxMs: 8 * HOUR }), 8 * HOUR + MINUTE),
      'policy_refused',
      'autoOff',
      'allows at most 8h (max); choose 8h or less',
    );
  });
});

void describe('parseAutoOffSetting', () => {
  void it('reads inherit, off and durations', () => {
    assert.equal(parseAutoOffSetting('inherit'), 'inherit');
    assert.equal(parseAutoOffSetting(' OFF '), 'off');
    assert.equal(parseAutoOffSetting('90m'), 90 * MINUTE);
  });

  void it('refuses anything else, naming the field and the choices', () => {
    assertError(
      () => parseAutoOffSetting('never'),
      'invalid_input',
      'autoOff',
      'autoOff: "never" is not a setting; give "inherit", "off" or a duration such as 90m.',
    );
    assertError(() => parseAutoOffSetting('0s', 'setting'), 'invalid_input', 'setting', '"0s" is not a setting');
    assertError(() => parseAutoOffSetting('  '), 'invalid_input', 'autoOff', 'is empty');
  });
});

void describe('checkExtension', () => {
  void it('allows any extension without a bound, and up to the bound with one', () => {
    checkExtension(BUILT_IN_POLICY, 24 * HOUR);
    checkExtension(policy({ maxExtensionMs: 4 * HOUR }), 4 * HOUR);
  });

  void it('refuses a longer one naming maxExtension', () => {
    assertError(() => checkExtension(policy({ maxExtensionMs: 4 * HOUR }), 5 * HOUR), 'policy_refused', 'autoOff', 'at most 4h at a time (maxExtension)');
  });
});
