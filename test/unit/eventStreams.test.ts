import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { type EventStreamWriter, startEventStream } from '../../src/backend/api/http';
import { EventStreamParser } from '../../src/client/transport';
import { containerEventReader, type ContainerEvent } from '../../src/docker/events';

/** Splits `text` into two chunks in the middle of its first `char` (a multi-byte UTF-8 character). */
function splitInside(text: string, char: string): [Buffer, Buffer] {
  const bytes = Buffer.from(text);
  const at = bytes.indexOf(Buffer.from(char)) + 1;
  assert.ok(at > 0 && Buffer.byteLength(char) > 1, `"${char}" must be a multi-byte character of the text`);
  return [bytes.subarray(0, at), bytes.subarray(at)];
}

void describe('Docker event reader', () => {
  void it('keeps a character split between two chunks whole', () => {
    const line = `${JSON.stringify({ Action: 'die', Actor: { ID: 'c1', Attributes: { 'dev.drydock.note': 'built ✓' } }, time: 7 })}\n`;
    const events: ContainerEvent[] = [];
    const read = containerEventReader((event) => events.push(event));
    for (const chunk of splitInside(line, '✓')) read(chunk);
    assert.deepEqual(events, [{ action: 'die', containerId: 'c1', labels: { 'dev.drydock.note': 'built ✓' }, time: 7 }]);
  });

  void it('reads several events per chunk and events across chunks, skipping a malformed line', () => {
    const events: string[] = [];
    const read = containerEventReader((event) => events.push(`${event.action} ${event.containerId}`));
    read(Buffer.from('{"Action":"start","Actor":{"ID":"a"}}\nnot json\n{"Action":"st'));
    read(Buffer.from('op","Actor":{"ID":"b"}}\n\n'));
    assert.deepEqual(events, ['start a', 'stop b']);
  });
});

void describe('client event stream parser', () => {
  void it('keeps a check mark split between two chunks whole', () => {
    const received: { data: unknown; event: string }[] = [];
    const parser = new EventStreamParser((data, event) => received.push({ data, event }));
    const block = `event: build-log\ndata: ${JSON.stringify({ text: 'tests passed ✓' })}\n\n`;
    for (const chunk of splitInside(block, '✓')) parser.push(chunk);
    assert.deepEqual(received, [{ data: { text: 'tests passed ✓' }, event: 'build-log' }]);
  });
});

/** A real HTTP server whose one stream `serve` writes to; returns the body as the client got it, chunk by chunk. */
async function streamChunks(serve: (writer: EventStreamWriter) => void): Promise<string[]> {
  const server = createServer((_request, response) => serve(startEventStream(response, () => undefined)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const call = request({ port: (server.address() as AddressInfo).port, path: '/' });
    call.end();
    const [answer] = (await once(call, 'response')) as [IncomingMessage];
    const chunks: string[] = [];
    answer.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    await once(answer, 'end');
    return chunks;
  } finally {
    server.close();
  }
}

void describe('backend event stream writer', () => {
  void it('writes a burst of events once, in order, and flushes what waits when the stream ends', async () => {
    const chunks = await streamChunks((writer) => {
      writer.send({ step: 1 });
      writer.send({ step: 2 }, 'build-log');
      setTimeout(() => {
        writer.send({ step: 3 });
        writer.end();
      }, 50);
    });
    // The opening comment, the burst of two in one write, the last one flushed by the end.
    assert.deepEqual(chunks, [': drydock\n\n', 'data: {"step":1}\n\nevent: build-log\ndata: {"step":2}\n\n', 'data: {"step":3}\n\n']);
  });
});
