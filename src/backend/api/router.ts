import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { GenericSchema } from 'valibot';
import { endpoints, type AnyEndpoint, type EndpointName } from '../../api/endpoints';
import { DrydockError } from '../../core/errors';
import { ENGINE_NAME, WORKSPACE_NAME } from '../../core/names';
import type { Handlers } from './handlers';
import { declaresBody, type EventStreamWriter, parseBody, readJson, requireJsonType, requireOctetStream, sendJson, startEventStream } from './http';
import { bodySchemas, querySchemas, streamQuerySchemas } from './validation';

interface Route {
  name: EndpointName;
  endpoint: AnyEndpoint;
  pattern: RegExp;
  paramNames: string[];
}

type Match = { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined;

/** Untyped views of the typed handlers, for dispatch by name (their types were checked where they were written). */
type AnyJsonHandler = (request: { params: Record<string, string>; body: unknown; query: unknown }) => unknown;
type AnyStreamHandler = (
  request: { params: Record<string, string>; query: unknown },
  sink: { send(event: unknown): void; end(): void; onClose(listener: () => void): void },
) => void | Promise<void>;
type AnyTextHandler = (request: { params: Record<string, string> }) => Promise<string>;
type AnyDownloadHandler = (request: { params: Record<string, string>; query: unknown }) => Promise<Readable>;
type AnyUploadHandler = (request: { params: Record<string, string>; query: unknown; body: Readable }) => Promise<unknown>;
type AnyUpgradeHandler = (request: { params: Record<string, string> }, socket: Socket, head: Buffer) => Promise<void>;

/**
 * Routes requests by the endpoint table: the paths are written once, in
 * src/api/endpoints.ts. Path parameters are decoded and checked here
 * (a workspace name must be one), bodies and queries by their schemas.
 */
export class Router {
  private readonly routes: Route[] = (Object.keys(endpoints) as EndpointName[]).map((name) => compile(name, endpoints[name]));

  constructor(private readonly handlers: Handlers) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestTarget(request.url);
    const match = this.match(request.method ?? 'GET', url.pathname);
    if (!match) throw new DrydockError('not_found', `no such API path: ${url.pathname}; this backend speaks /v1.`);
    if ('allowed' in match) {
      const error = new DrydockError('invalid_input', `${request.method ?? ''} is not allowed on ${url.pathname}; use ${match.allowed.join(' or ')}.`);
      (error as DrydockError & { status?: number }).status = 405;
      throw error;
    }
    const { route, params } = match;
    const handler = this.handlers[route.name] as unknown;
    switch (route.endpoint.kind) {
      case 'json': {
        const name = route.name as keyof typeof bodySchemas;
        const bodySchema: GenericSchema | undefined = bodySchemas[name];
        const querySchema: GenericSchema | undefined = querySchemas[name];
        // An endpoint without a body ignores one, but a body that is not JSON is refused everywhere alike.
        if (!bodySchema && declaresBody(request)) requireJsonType(request);
        const body: unknown = bodySchema ? parseBody(bodySchema, await readJson(request)) : undefined;
        const query: unknown = querySchema ? parseBody(querySchema, Object.fromEntries(url.searchParams)) : {};
        const result = await (handler as AnyJsonHandler)({ params, body, query });
        sendJson(response, route.endpoint.status, result);
        return;
      }
      case 'text': {
        const text = await (handler as AnyTextHandler)({ params });
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        response.end(text);
        return;
      }
      case 'download': {
        const content = await (handler as AnyDownloadHandler)({ params, query: this.streamQuery(route, url) });
        // Headers go out once the content is there: a refusal before it is still an error answer.
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        content.pipe(response);
        content.on('error', () => response.destroy());
        // A client that hangs up mid-way stops the read in the workspace.
        response.on('close', () => content.destroy());
        return;
      }
      case 'upload': {
        requireOctetStream(request);
        const result = await (handler as AnyUploadHandler)({ params, query: this.streamQuery(route, url), body: request });
        sendJson(response, 200, result);
        return;
      }
      case 'events': {
        const query = this.streamQuery(route, url);
        const named = route.endpoint.named;
        const closers: (() => void)[] = [];
        let started: EventStreamWriter | undefined;
        const start = (): EventStreamWriter => (started ??= startEventStream(response, () => closers.forEach((close) => close())));
        // Headers go out with the first event, so a handler that refuses (not building) still answers an error.
        const send = (event: unknown): void => {
          if (named) {
            const { event: name, data } = event as { event: string; data: unknown };
            start().send(data, name === 'message' ? undefined : name);
          } else start().send(event);
        };
        const end = (): void => {
          if (started) started.end();
          else response.end();
        };
        await (handler as AnyStreamHandler)({ params, query }, { send, end, onClose: (listener) => closers.push(listener) });
        if (!response.writableEnded) start();
        // A client that left while an asynchronous handler was starting (a file watch) gets its close all the same.
        if (request.socket.destroyed) closers.forEach((close) => close());
        return;
      }
      case 'upgrade':
        throw new DrydockError('invalid_input', `${url.pathname} needs an HTTP upgrade (Connection: Upgrade).`);
    }
  }

  /** An upgrade request (exec attach); answers an error on the raw socket when it cannot be had. */
  async upgrade(request: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    try {
      const url = requestTarget(request.url);
      const match = this.match(request.method ?? 'GET', url.pathname);
      if (!match || 'allowed' in match || match.route.endpoint.kind !== 'upgrade') {
        throw new DrydockError('not_found', 'only POST /v1/exec/<id>/attach can be upgraded.');
      }
      await (this.handlers[match.route.name] as unknown as AnyUpgradeHandler)({ params: match.params }, socket, head);
    } catch (error) {
      const message = JSON.stringify({ error: { code: (error as DrydockError).code ?? 'internal', message: (error as Error).message } });
      socket.end(`HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
    }
  }

  private streamQuery(route: Route, url: Target): unknown {
    const schema: GenericSchema | undefined = streamQuerySchemas[route.name as keyof typeof streamQuerySchemas];
    return schema ? parseBody(schema, Object.fromEntries(url.searchParams)) : {};
  }

  private match(method: string, pathname: string): Match {
    const matching = this.routes.filter((route) => route.pattern.test(pathname));
    if (matching.length === 0) return undefined;
    const route = matching.find((candidate) => candidate.endpoint.method === method);
    if (!route) return { allowed: matching.map((candidate) => candidate.endpoint.method) };
    const values = route.pattern.exec(pathname)?.slice(1) ?? [];
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, index) => (params[name] = decodeParam(name, values[index] ?? '')));
    return { route, params };
  }
}

type Target = Pick<URL, 'pathname' | 'searchParams'>;

/** A path of plain characters (what the clients send): `new URL` would give it back as it is. */
const PLAIN_TARGET = /^(\/[\w\-/]*)(?:\?([!-"$-~]*))?$/;

/**
 * The request's path and query as `new URL` reads them. A plain path skips
 * building a URL (a few percent of a heartbeat's cost); anything else
 * (percent-encoding, dot segments, a fragment) goes through `URL`.
 */
function requestTarget(raw = '/'): Target {
  const plain = PLAIN_TARGET.exec(raw);
  if (!plain) return new URL(raw, 'http://drydock');
  return { pathname: plain[1] ?? '/', searchParams: new URLSearchParams(plain[2] ?? '') };
}

function compile(name: EndpointName, endpoint: AnyEndpoint): Route {
  const paramNames: string[] = [];
  const source = endpoint.path.replace(/:(\w+)/g, (_match, param: string) => {
    paramNames.push(param);
    return '([^/]+)';
  });
  return { name, endpoint, pattern: new RegExp(`^${source}$`), paramNames };
}

/** A path parameter, percent-decoded and checked like any other input. */
function decodeParam(name: string, raw: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new DrydockError('invalid_input', `${name}: "${raw}" is not a valid percent-encoded path segment; encode it with encodeURIComponent.`, name);
  }
  if (name === 'name' && !WORKSPACE_NAME.test(value)) {
    throw new DrydockError(
      'invalid_input',
      `name: "${value}" is not a workspace name (lowercase letters, digits and dashes); list them with \`drydock ls\`.`,
      'name',
    );
  }
  if (name === 'engine' && !ENGINE_NAME.test(value)) {
    throw new DrydockError('invalid_input', `engine: "${value}" is not an engine name; list them with \`drydock engine ls\`.`, 'engine');
  }
  return value;
}
