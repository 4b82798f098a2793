import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { plainStream } from '../../src/client/plainRequest';
import { Transport } from '../../src/client/transport';
import { isDrydockError } from '../../src/core/errors';

const folder = mkdtempSync(join(tmpdir(), 'dd-stream-'));
let sockets = 0;
const socketFor = (): string => join(folder, `s${++sockets}.sock`);

/** A real node:http server (as the backend is) on a Unix socket of its own. */
async function serve(handler: RequestListener): Promise<{ socketPath: string; server: Server }> {
  const socketPath = socketFor();
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { socketPath, server };
}

function close(server: Server | NetServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Fails instead of hanging: a stream that never settles is the bug these tests look for. */
function within<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Answers a server-sent event stream the way the backend does: headers and a comment first, then events. */
function startEvents(response: import('node:http').ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  response.write(': drydock\n\n');
}

void describe('server-sent event streams over a plain socket (following a build without node:http)', () => {
  after(() => rmSync(folder, { recursive: true, force: true }));

  void it('hands each event over as it comes, whole across chunks and inside a split character, and resolves at the end', async () => {
    const third = Buffer.from('event: build\ndata: {"step":"Prüfung ✓ done"}\n\n');
    const split = third.indexOf('✓') + 1; // between the check mark's bytes
    const seen: { event: string; data: unknown }[] = [];
    let sawFirst: () => void = () => undefined;
    const firstSeen = new Promise<void>((resolve) => (sawFirst = resolve));
    const { socketPath, server } = await serve((_request, response) => {
      startEvents(response);
      response.write('data: {"n":1}\n\n');
      // The rest is written only once the client has the first event: nothing waits for the end to hand events over.
      void firstSeen.then(async () => {
        response.write('data: {"n":');
        await pause(20);
        response.write('2}\n');
        await pause(20);
        response.write('\n');
        response.write(third.subarray(0, split));
        await pause(20);
        response.write(third.subarray(split));
        await pause(20);
        response.end();
      });
    });
    try {
      await within(
        new Transport(socketPath).stream('/v1/stream', (data, event) => {
          seen.push({ event, data });
          if (seen.length === 1) sawFirst();
        }),
      );
      assert.deepEqual(seen, [
        { event: 'message', data: { n: 1 } },
        { event: 'message', data: { n: 2 } },
        { event: 'build', data: { step: 'Prüfung ✓ done' } },
      ]);
    } finally {
      await close(server);
    }
  });

  void it('decodes chunk framing split anywhere: a size line in pieces, extensions, trailers', async () => {
    const socketPath = socketFor();
    const pieces = [
      'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-',
      'Encoding: chunked\r\n\r\n',
      '1',
      '2;name=value\r\ndata: {"a":',
      '"é',
      '"}\n\n\r',
      '\n',
      '0\r\nX-Trailer: 1\r\n',
      '\r\n',
    ];
    const server = createNetServer((socket) => {
      socket.once('data', () => {
        void (async () => {
          for (const piece of pieces) {
            socket.write(piece);
            await pause(15);
          }
        })();
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const bytes: Buffer[] = [];
      const answer = await within(plainStream(socketPath, 'GET', '/v1/stream', (piece) => bytes.push(piece)));
      assert.equal(answer.status, 200);
      assert.equal(Buffer.concat(bytes).toString('utf8'), 'data: {"a":"é"}\n\n');
    } finally {
      await close(server);
    }
  });

  void it('a backend that dies mid-stream is a clear backend_down error, not a hang or a quiet end', async () => {
    const socketPath = socketFor();
    // A real backend process of its own, killed outright (SIGKILL) after its first event.
    const script = `require('node:http').createServer((q, r) => {
      r.writeHead(200, { 'content-type': 'text/event-stream' });
      r.write('data: {"n":1}\\n\\n');
    }).listen(${JSON.stringify(socketPath)}, () => process.stdout.write('ready\\n'));`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', () => reject(new Error('the test server exited before it listened')));
      });
      const seen: unknown[] = [];
      const following = new Transport(socketPath).stream('/v1/stream', (data) => {
        seen.push(data);
        child.kill('SIGKILL');
      });
      await within(
        assert.rejects(following, (error: unknown) => {
          assert.ok(isDrydockError(error, 'backend_down'), String(error));
          assert.match((error as Error).message, /does not answer/);
          return true;
        }),
      );
      assert.deepEqual(seen, [{ n: 1 }]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  void it("turns a refusal into the API's error, and a kept connection carries the stream and the call after it", async () => {
    let connections = 0;
    const { socketPath, server } = await serve((request, response) => {
      if (request.url === '/v1/refused') {
        const body = JSON.stringify({ error: { code: 'not_found', message: 'workspace x is not building' } });
        response.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        response.end(body);
        return;
      }
      if (request.url === '/v1/stream') {
        startEvents(response);
        response.end('data: {"n":1}\n\n');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
      response.end('{}');
    });
    server.on('connection', () => connections++);
    try {
      const transport = new Transport(socketPath);
      await transport.json('GET', '/v1/health');
      await assert.rejects(
        within(transport.stream('/v1/refused', () => assert.fail('a refusal has no events'))),
        (error: unknown) => isDrydockError(error, 'not_found') && /not building/.test((error as Error).message),
      );
      const seen: unknown[] = [];
      await within(transport.stream('/v1/stream', (data) => seen.push(data)));
      assert.deepEqual(seen, [{ n: 1 }]);
      assert.deepEqual(await transport.json('GET', '/v1/health'), {});
      assert.equal(connections, 1);
    } finally {
      await close(server);
    }
  });

  void it("stops when the signal aborts; the handler's own error is its own, not the backend's", async () => {
    const { socketPath, server } = await serve((request, response) => {
      startEvents(response);
      response.write(request.url === '/v1/bad' ? 'data: {not json\n\n' : 'data: {"n":1}\n\n');
      // Never ends by itself.
    });
    try {
      const controller = new AbortController();
      const seen: unknown[] = [];
      await within(
        new Transport(socketPath).stream(
          '/v1/stream',
          (data) => {
            seen.push(data);
            controller.abort();
          },
          controller.signal,
        ),
      );
      assert.deepEqual(seen, [{ n: 1 }]);
      await assert.rejects(within(new Transport(socketPath).stream('/v1/bad', () => undefined)), SyntaxError);
      await assert.rejects(
        new Transport(socketPath).stream('/v1/stream', () => undefined, AbortSignal.abort()),
        (error: unknown) => isDrydockError(error, 'interrupted'),
      );
    } finally {
      await close(server);
    }
  });

  void it('following a stream to its end loads no node:http, and the process ends with it', async () => {
    const { socketPath, server } = await serve((_request, response) => {
      startEvents(response);
      response.end('data: {"n":1}\n\n');
    });
    const transport = JSON.stringify(join(__dirname, '../../src/client/transport.js'));
    const client = `const { Transport } = require(${transport});
new Transport(${JSON.stringify(socketPath)}).stream('/v1/stream', (data) => process.stdout.write(JSON.stringify(data))).then(() =>
  process.stdout.write(' ' + process.moduleLoadList.filter((name) => /^NativeModule _?http/.test(name)).length));`;
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', client], { timeout: 4000 });
      assert.equal(stdout, '{"n":1} 0');
    } finally {
      await close(server);
    }
  });
});
