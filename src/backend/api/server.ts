import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { DrydockError } from '../../core/errors';
import { sendError } from './http';
import { routes, type RouteDeps } from './routes';

/**
 * The backend's API: HTTP/JSON on a Unix socket that only its user can open
 * (socket 0600 in a 0700 folder). Exec attach is an HTTP upgrade to a raw
 * stream, as Docker's own API does it.
 */
export class ApiServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly deps: RouteDeps) {
    const table = routes(deps);
    this.server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://drydock');
      const matching = table.filter((route) => route.pattern.test(url.pathname));
      const route = matching.find((candidate) => candidate.method === request.method);
      if (!route) {
        const error = matching.length > 0
          ? new DrydockError('invalid_input', `${request.method ?? ''} is not allowed on ${url.pathname}; use ${matching.map((candidate) => candidate.method).join(' or ')}.`)
          : new DrydockError('not_found', `no such API path: ${url.pathname}; this backend speaks /v1.`);
        if (matching.length > 0) (error as DrydockError & { status?: number }).status = 405;
        return sendError(response, error);
      }
      const params = (route.pattern.exec(url.pathname) ?? []).slice(1);
      Promise.resolve()
        .then(() => route.handler({ request, response, params, query: url.searchParams }))
        .catch((error: unknown) => sendError(response, error));
    });
    this.server.on('upgrade', (request: IncomingMessage, socket: Socket) => void this.attach(request, socket));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(socketPath: string): Promise<void> {
    await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
    await chmod(dirname(socketPath), 0o700);
    // Only the lock holder gets here, so a socket file left behind is stale.
    await rm(socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => resolve());
    });
    await chmod(socketPath, 0o600);
  }

  /** Stops accepting, ends open connections (event streams never end by themselves). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async attach(request: IncomingMessage, socket: Socket): Promise<void> {
    const match = /^\/v1\/exec\/([^/]+)\/attach$/.exec(new URL(request.url ?? '/', 'http://drydock').pathname);
    try {
      if (!match || request.method !== 'POST') throw new DrydockError('not_found', 'only POST /v1/exec/<id>/attach can be upgraded.');
      const { stream, workspace } = await this.deps.sessions.attach(match[1] ?? '');
      // An attached session is work in progress: it holds a busy lease until it ends.
      const lease = (() => {
        try {
          return this.deps.autoOff.hold(workspace, 'exec session', 24 * 60 * 60_000).leaseId;
        } catch {
          return undefined;
        }
      })();
      let released = false;
      const release = (): void => {
        if (lease && !released) this.deps.autoOff.release(workspace, lease);
        released = true;
      };
      stream.once('close', release);
      socket.once('close', release);
      socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      stream.pipe(socket);
      socket.pipe(stream);
      stream.on('end', () => socket.end());
      stream.on('error', () => socket.destroy());
      socket.on('error', () => stream.destroy());
      socket.on('close', () => stream.destroy());
    } catch (error) {
      const message = JSON.stringify({ error: { code: (error as DrydockError).code ?? 'internal', message: (error as Error).message } });
      socket.end(`HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
    }
  }
}
