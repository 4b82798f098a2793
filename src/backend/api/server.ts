import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { createHandlers, type HandlerDeps } from './handlers';
import { sendError } from './http';
import { Router } from './router';

/**
 * The backend's API: HTTP/JSON on a Unix socket that only its user can open
 * (socket 0600 in a 0700 folder). Exec attach is an HTTP upgrade to a raw
 * stream, as Docker's own API does it.
 */
export class ApiServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  /** `onRequest` hears of every request (the idle collector waits for quiet). */
  constructor(deps: HandlerDeps, onRequest: () => void = () => undefined) {
    const router = new Router(createHandlers(deps));
    this.server = createServer((request, response) => {
      onRequest();
      router.handle(request, response).catch((error: unknown) => sendError(response, error));
    });
    this.server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => void router.upgrade(request, socket, head));
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
}
