import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOCKER_MIN_MEMORY_BYTES, formatMemory, parseMemory } from '../../src/core/memory';
import { assertInvalid } from '../support/refusals';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

void describe('parseMemory', () => {
  void it('reads Docker-style sizes in binary units', () => {
    assert.equal(parseMemory('512m'), 512 * MIB);
    assert.equal(parseMemory('2g'), 2 * GIB);
    assert.equal(parseMemory('1.5g'), 1.5 * GIB);
    assert.equal(parseMemory('1GiB'), GIB);
    assert.equal(parseMemory('512MB'), 512 * MIB);
    assert.equal(parseMemory('8192k'), 8 * MIB);
    assert.equal(parseMemory('1t'), 1024 * GIB);
    assert.equal(parseMemory(' 2G '), 2 * GIB);
  });

  void it('reads bare numbers as bytes', () => {
    assert.equal(parseMemory('1048576000'), 1_048_576_000);
    assert.equal(parseMemory(String(DOCKER_MIN_MEMORY_BYTES)), DOCKER_MIN_MEMORY_BYTES);
  });

  void it('accepts exactly the 6m minimum', () => {
    assert.equal(DOCKER_MIN_MEMORY_BYTES, 6 * MIB);
    assert.equal(parseMemory('6m'), 6 * MIB);
  });

  void it('rejects text that is not a size, suggesting a form', () => {
    for (const text of ['lots', '', 'm', '-512m', '512x', '2 gigs', '1,5g']) {
      assertInvalid(() => parseMemory(text), 'memory', 'memory', '512m');
    }
  });

  void it("rejects sizes below Docker's 6m minimum, naming memory and 6m", () => {
    for (const text of ['5m', '1m', '6291455', '1k', '0']) {
      assertInvalid(() => parseMemory(text), 'memory', 'memory', '6m');
    }
  });

  void it('names the field it was given', () => {
    assertInvalid(() => parseMemory('lots', 'limits.memory'), 'limits.memory', 'limits.memory');
    assertInvalid(() => parseMemory('1m', 'limits.memory'), 'limits.memory', 'limits.memory', '6m');
  });
});

void describe('formatMemory', () => {
  void it('uses the largest unit that divides exactly', () => {
    assert.equal(formatMemory(512 * MIB), '512m');
    assert.equal(formatMemory(2 * GIB), '2g');
    assert.equal(formatMemory(1.5 * GIB), '1536m');
    assert.equal(formatMemory(1_048_576_000), '1000m');
    assert.equal(formatMemory(3 * KIB), '3k');
    assert.equal(formatMemory(512), '512b');
  });

  void it('rounds sizes that no unit divides to a tenth of a megabyte', () => {
    assert.equal(formatMemory(MIB + 1), '1.0m');
    assert.equal(formatMemory(1.25 * MIB + 1), '1.3m');
  });

  void it('round-trips exact sizes with parseMemory', () => {
    for (const text of ['512m', '2g', '1.5g', '1GiB', '1048576000', '6m', '6144k']) {
      const bytes = parseMemory(text);
      assert.equal(parseMemory(formatMemory(bytes)), bytes, text);
    }
  });
});
