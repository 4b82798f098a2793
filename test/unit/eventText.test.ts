import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventText } from '../../src/backend/api/http';

void describe('event stream serialization', () => {
  void it('serializes an event once however many streams send it, and each new event afresh', () => {
    let serialized = 0;
    const event = { type: 'workspace', toJSON: () => (serialized++, { type: 'workspace', name: 'api' }) };
    const sent = Array.from({ length: 100 }, () => eventText(event));
    assert.equal(serialized, 1, 'one JSON.stringify for 100 streams');
    assert.ok(sent.every((text) => text === '{"type":"workspace","name":"api"}'));

    const next = { type: 'workspace', toJSON: () => (serialized++, { type: 'workspace', name: 'web' }) };
    assert.equal(eventText(next), '{"type":"workspace","name":"web"}');
    assert.equal(serialized, 2);
  });

  void it('writes what JSON.stringify writes, primitives included', () => {
    for (const value of [null, 3, 'text', [1, 'two'], { nested: { deep: [true] } }]) assert.equal(eventText(value), JSON.stringify(value));
  });
});
