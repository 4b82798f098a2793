import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { plainRequest } from '../../src/client/plainRequest';
import { Transport } from '../../src/client/transport';
import { isDrydockError } from '../../src/core/errors';

const folder = mkdtempSync(join(tmpdir(), 'dd-plain-'));
let sockets = 0;

/** A real node:http server (as the backend is) on a Unix socket of its own. */
async function serve(handler: RequestListener): Promise<{ socketPath: string; server: Server }> {
  const socketPath = join(folder, `s${++sockets}.sock`);
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { socketPath, server };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

void describe('plain HTTP requests over a Unix socket (the CLI without node:http)', () => {
  after(() => rmSync(folder, { recursive: true, force: true }));

  void it('sends method, path and JSON body, and reads an answer with a Content-Length', async () => {
    const { socketPath, server } = await serve((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = JSON.stringify({
          method: request.method,
          url: request.url,
          type: request.headers['content-type'],
          body: Buffer.concat(chunks).toString(),
        });
        response.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        response.end(text);
      });
    });
    try {
      const answer = await plainRequest(socketPath, 'POST', '/v1/things/a%20b?x=1', JSON.stringify({ name: 'ünïcode ✓' }));
      assert.equal(answer.status, 201);
      assert.deepEqual(JSON.parse(answer.body.toString('utf8')), {
        method: 'POST',
        url: '/v1/things/a%20b?x=1',
        type: 'application/json',
        body: '{"name":"ünïcode ✓"}',
      });
    } finally {
      await close(server);
    }
  });

  void it('reads an answer written in pieces without a Content-Length, a character split between them whole', async () => {
    const text = 'x'.repeat(100_000) + ' tests passed ✓';
    const bytes = Buffer.from(text);
    const { socketPath, server } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const split = bytes.length - 2; // inside the check mark
      response.write(bytes.subarray(0, split));
      setTimeout(() => response.end(bytes.subarray(split)), 20);
    });
    try {
      const answer = await plainRequest(socketPath, 'GET', '/log');
      assert.equal(answer.status, 200);
      assert.equal(answer.body.toString('utf8'), text);
    } finally {
      await close(server);
    }
  });

  void it('says the backend is down when the answer is cut short, or nobody listens', async () => {
    const { socketPath, server } = await serve((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
      response.write('{"partial":');
      setTimeout(() => request.socket.destroy(), 20);
    });
    try {
      await assert.rejects(plainRequest(socketPath, 'GET', '/v1/workspaces'), /aborted/);
      const transport = new Transport(socketPath);
      await assert.rejects(transport.json('GET', '/v1/workspaces'), (error: unknown) => isDrydockError(error, 'backend_down'));
    } finally {
      await close(server);
    }
    await assert.rejects(new Transport(join(folder, 'nobody.sock')).json('GET', '/v1/health'), (error: unknown) => isDrydockError(error, 'backend_down'));
  });

  void it("turns the API's error answer into its error, field and all", async () => {
    const { socketPath, server } = await serve((_request, response) => {
      const body = JSON.stringify({ error: { code: 'not_found', message: 'no workspace named "x"', field: 'name' } });
      response.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    });
    try {
      await assert.rejects(new Transport(socketPath).json('GET', '/v1/workspaces/x'), (error: unknown) => {
        assert.ok(isDrydockError(error, 'not_found'));
        assert.equal(error.field, 'name');
        assert.equal(error.message, 'no workspace named "x"');
        return true;
      });
    } finally {
      await close(server);
    }
  });

  void it("a client's calls one after another share one connection; one the server closed meanwhile is replaced", async () => {
    let connections = 0;
    const { socketPath, server } = await serve((request, response) => {
      const text = JSON.stringify({ url: request.url });
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    });
    server.on('connection', () => connections++);
    try {
      const transport = new Transport(socketPath);
      for (const path of ['/v1/a', '/v1/b', '/v1/c']) assert.deepEqual(await transport.json('GET', path), { url: path });
      assert.deepEqual(await transport.json('POST', '/v1/beat', {}, { repeatable: true }), { url: '/v1/beat' });
      assert.equal(connections, 1);
      // The server ends its idle connections (as at its keep-alive timeout): the next call still gets its answer.
      server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(await transport.json('GET', '/v1/d'), { url: '/v1/d' });
      assert.equal(connections, 2);
    } finally {
      await close(server);
    }
  });

  void it('never sends a request that must not run twice again: it takes a connection of its own', async () => {
    const received: string[] = [];
    const { socketPath, server } = await serve((request, response) => {
      received.push(`${request.method} ${request.url}`);
      // The first rebuild reaches a backend that then goes away without answering; anything later is answered.
      if (request.url === '/v1/rebuild' && received.filter((line) => line.endsWith('/v1/rebuild')).length === 1) {
        request.socket.destroy();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
      response.end('{}');
    });
    let connections = 0;
    server.on('connection', () => connections++);
    try {
      const transport = new Transport(socketPath);
      await transport.json('GET', '/v1/health');
      await assert.rejects(transport.json('POST', '/v1/rebuild', {}), (error: unknown) => isDrydockError(error) && error.code === 'backend_down');
      assert.deepEqual(received, ['GET /v1/health', 'POST /v1/rebuild'], 'the rebuild was sent once');
      assert.equal(connections, 2, 'the rebuild did not take the kept connection');
    } finally {
      await close(server);
    }
  });

  void it('an idle kept connection does not keep the process alive', async () => {
    const { socketPath, server } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
      response.end('{}');
    });
    const client = `require(${JSON.stringify(join(__dirname, '../../src/client/transport.js'))}).Transport.prototype.json.call(
  new (require(${JSON.stringify(join(__dirname, '../../src/client/transport.js'))}).Transport)(${JSON.stringify(socketPath)}), 'GET', '/v1/health');`;
    try {
      // The client process ends by itself right after its answer, though the server keeps the connection open for 5 s.
      const started = Date.now();
      await promisify(execFile)(process.execPath, ['-e', client], { timeout: 4000 });
      assert.ok(Date.now() - started < 4000);
    } finally {
      await close(server);
    }
  });
});
