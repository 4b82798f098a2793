import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/core/duration';
import { assertInvalid } from '../support/refusals';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

void describe('parseDuration', () => {
  void it('reads single units', () => {
    assert.equal(parseDuration('90m'), 90 * MINUTE);
    assert.equal(parseDuration('2h'), 2 * HOUR);
    assert.equal(parseDuration('45s'), 45 * SECOND);
    assert.equal(parseDuration('1d'), DAY);
  });

  void it('reads combined units in d-h-m-s order', () => {
    assert.equal(parseDuration('1h30m'), HOUR + 30 * MINUTE);
    assert.equal(parseDuration('1d2h3m4s'), DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND);
    assert.equal(parseDuration('2m0s'), 2 * MINUTE);
  });

  void it('ignores surrounding whitespace and letter case', () => {
    assert.equal(parseDuration('  2H '), 2 * HOUR);
    assert.equal(parseDuration('1H30M'), HOUR + 30 * MINUTE);
    assert.equal(parseDuration('\t45S\n'), 45 * SECOND);
  });

  void it('rejects text that is not a duration', () => {
    for (const text of ['', '   ', 'abc', '10', '1h-5m', '-5m', '1.5h', 'h', '5x', '1h 30m']) {
      assertInvalid(() => parseDuration(text), 'duration', 'duration');
    }
  });

  void it('rejects units out of order', () => {
    assertInvalid(() => parseDuration('1m30h'), 'duration');
    assertInvalid(() => parseDuration('30s1m'), 'duration');
    assertInvalid(() => parseDuration('1h1h'), 'duration');
  });

  void it('rejects a zero duration', () => {
    assertInvalid(() => parseDuration('0m'), 'duration', '0m');
    assertInvalid(() => parseDuration('0h0m0s'), 'duration');
  });

  void it('names the field it was given and suggests a form', () => {
    assertInvalid(() => parseDuration('soon', 'autoOff'), 'autoOff', 'autoOff', '"soon"', '90m');
    assertInvalid(() => parseDuration('0s', 'idleTimeout'), 'idleTimeout', 'idleTimeout');
  });
});

void describe('formatDuration', () => {
  void it('writes the shortest exact form', () => {
    assert.equal(formatDuration(90 * MINUTE), '1h30m');
    assert.equal(formatDuration(2 * HOUR), '2h');
    assert.equal(formatDuration(45 * SECOND), '45s');
    assert.equal(formatDuration(DAY), '1d');
    assert.equal(formatDuration(25 * HOUR), '1d1h');
    assert.equal(formatDuration(DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND), '1d2h3m4s');
    assert.equal(formatDuration(HOUR + 5 * SECOND), '1h5s');
  });

  void it('writes less than a second as 0s', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(999), '0s');
  });

  void it('round-trips with parseDuration', () => {
    for (const text of ['90m', '2h', '1h30m', '45s', '1d', '3600s', '1d2h3m4s', '7d', '59m59s']) {
      const ms = parseDuration(text);
      assert.equal(parseDuration(formatDuration(ms)), ms, text);
    }
    for (const canonical of ['1h30m', '2h', '45s', '1d', '1d2h3m4s', '59m59s']) {
      assert.equal(formatDuration(parseDuration(canonical)), canonical);
    }
    assert.equal(formatDuration(parseDuration('90m')), '1h30m');
    assert.equal(formatDuration(parseDuration('3600s')), '1h');
  });
});
