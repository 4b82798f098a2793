import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoalescedWriter } from '../../src/backend/state/coalescedWriter';

/** A writer that records when each write started and what it saw. */
function recording(delayMs = 5): { writer: CoalescedWriter; writes: number[]; errors: unknown[]; value: { current: number }; seen: number[] } {
  const writes: number[] = [];
  const errors: unknown[] = [];
  const seen: number[] = [];
  const value = { current: 0 };
  const writer = new CoalescedWriter(
    async () => {
      writes.push(Date.now());
      seen.push(value.current);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    },
    (error) => errors.push(error),
    200,
  );
  return { writer, writes, errors, value, seen };
}

const waitFor = async (condition: () => boolean, timeoutMs = 2000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

void describe('CoalescedWriter', () => {
  void it('writes a lone change at once, and merges a burst into one write per interval with the last value', async () => {
    const { writer, writes, value, seen } = recording();
    value.current = 1;
    writer.soon();
    await waitFor(() => writes.length === 1);
    for (let i = 2; i <= 100; i++) {
      value.current = i;
      writer.soon();
    }
    await waitFor(() => seen.at(-1) === 100);
    assert.equal(writes.length, 2, `a burst of 99 changes took ${writes.length - 1} writes`);
    assert.ok((writes[1] ?? 0) - (writes[0] ?? 0) >= 190, 'the second write waited for the interval');
    writer.close();
  });

  void it('writes a durable change at once, even within the interval', async () => {
    const { writer, writes, value, seen } = recording();
    writer.soon();
    await waitFor(() => writes.length === 1);
    value.current = 7;
    const started = Date.now();
    await writer.now();
    assert.deepEqual(seen, [0, 7]);
    assert.ok(Date.now() - started < 150, 'now() did not wait for the interval');
    writer.close();
  });

  void it('flushes what is pending, so a clean stop loses nothing', async () => {
    const { writer, writes, value, seen } = recording();
    writer.soon();
    await waitFor(() => writes.length === 1);
    value.current = 42;
    writer.soon();
    await writer.flush();
    assert.equal(seen.at(-1), 42);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(writes.length, 2, 'nothing is written again after the flush');
  });

  void it('reports a failed merged write, rejects a failed durable one, and writes again later', async () => {
    let fail = true;
    const errors: unknown[] = [];
    let writes = 0;
    const writer = new CoalescedWriter(
      () => {
        writes++;
        return fail ? Promise.reject(new Error('disk full')) : Promise.resolve();
      },
      (error) => errors.push(error),
      50,
    );
    writer.soon();
    await waitFor(() => errors.length === 1);
    await assert.rejects(writer.now(), /disk full/);
    fail = false;
    await writer.now();
    assert.equal(writes, 3);
    writer.close();
  });
});
