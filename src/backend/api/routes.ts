import type { IncomingMessage, ServerResponse } from 'node:http';
import { DrydockError } from '../../core/errors';
import { WORKSPACE_NAME } from '../../core/names';
import type { BuildLogStore } from '../build/logStore';
import type { ExecSessions } from '../service/execSessions';
import type { EventBus } from '../service/eventBus';
import type { WorkspaceService } from '../service/workspaceService';
import { parseBody, readJson, sendJson, startEventStream } from './http';
import { parseDuration } from '../../core/duration';
import type { AutoOffManager } from '../autooff/autoOffManager';
import type { PolicySource } from '../autooff/policySource';
import type { Scheduler } from '../schedule/scheduler';
import {
  activityRequestSchema,
  autoOffRequestSchema,
  createRequestSchema,
  execRequestSchema,
  extendRequestSchema,
  leaseRequestSchema,
  rebuildRequestSchema,
  resizeRequestSchema,
  scheduleRequestSchema,
} from './requestSchemas';
import type { Health } from './protocol';

export interface RouteDeps {
  service: WorkspaceService;
  sessions: ExecSessions;
  logs: BuildLogStore;
  events: EventBus;
  autoOff: AutoOffManager;
  scheduler: Scheduler;
  policy: PolicySource;
  health: () => Health;
  shutdown: () => void;
}

type Handler = (context: { request: IncomingMessage; response: ServerResponse; params: string[]; query: URLSearchParams }) => Promise<void> | void;
interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const NAME = '([^/]+)';

/** The API's routes, one line each; handlers validate, call the service, and answer JSON. */
export function routes(deps: RouteDeps): Route[] {
  const { service, sessions, logs, events, autoOff, scheduler } = deps;
  const ok = (response: ServerResponse, body: unknown, status = 200): void => sendJson(response, status, body);
  return [
    { method: 'GET', pattern: /^\/v1\/health$/, handler: ({ response }) => ok(response, deps.health()) },
    { method: 'GET', pattern: /^\/v1\/version$/, handler: ({ response }) => ok(response, { version: deps.health().version }) },
    {
      method: 'POST',
      pattern: /^\/v1\/shutdown$/,
      handler: ({ response }) => {
        ok(response, { stopping: true }, 202);
        deps.shutdown();
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/events$/,
      handler: ({ request, response }) => {
        let unsubscribe = (): void => undefined;
        const send = startEventStream(request, response, () => unsubscribe());
        for (const workspace of service.list()) send({ type: 'workspace', workspace });
        unsubscribe = events.subscribe((event) => send(event));
      },
    },
    { method: 'GET', pattern: /^\/v1\/workspaces$/, handler: ({ response }) => ok(response, { workspaces: service.list() }) },
    {
      method: 'POST',
      pattern: /^\/v1\/workspaces$/,
      handler: async ({ request, response }) => {
        const body = parseBody(createRequestSchema, await readJson(request));
        ok(response, await service.create(body.spec, body.build), 201);
      },
    },
    { method: 'GET', pattern: new RegExp(`^/v1/workspaces/${NAME}$`), handler: ({ response, params }) => ok(response, { workspace: service.get(name(params)) }) },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v1/workspaces/${NAME}$`),
      handler: async ({ response, params, query }) => {
        const deleteHome = query.get('deleteHome') === 'true';
        await service.delete(name(params), deleteHome);
        ok(response, { deleted: name(params), homeDeleted: deleteHome });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/rebuild$`),
      handler: async ({ request, response, params }) => {
        const body = parseBody(rebuildRequestSchema, await readJson(request));
        ok(response, service.rebuild(name(params), body.changes), 202);
      },
    },
    { method: 'POST', pattern: new RegExp(`^/v1/workspaces/${NAME}/stop$`), handler: async ({ response, params }) => ok(response, { workspace: await service.stop(name(params)) }) },
    { method: 'GET', pattern: new RegExp(`^/v1/workspaces/${NAME}/rebuild-safety$`), handler: async ({ response, params }) => ok(response, { changes: await service.rebuildSafety(name(params)) }) },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/builds$`),
      handler: async ({ response, params }) => {
        service.get(name(params));
        ok(response, { builds: await logs.list(name(params)) });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/builds/current/stream$`),
      handler: ({ request, response, params }) => {
        const log = service.currentBuild(name(params));
        if (!log) throw new DrydockError('not_found', `workspace ${name(params)} is not building; see its last build with \`drydock logs ${name(params)}\`.`);
        let unsubscribe = (): void => undefined;
        const send = startEventStream(request, response, () => unsubscribe());
        send({ buildId: log.buildId }, 'build');
        unsubscribe = log.subscribe((entry) => {
          send(entry);
          if (entry.kind === 'result') response.end();
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/builds/([^/]+)/log$`),
      handler: async ({ response, params }) => {
        const text = await logs.read(name(params), params[1] ?? '');
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        response.end(text);
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/exec$`),
      handler: async ({ request, response, params }) => {
        const body = parseBody(execRequestSchema, await readJson(request));
        ok(response, await sessions.start(name(params), body), 201);
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/exec\/([^/]+)\/resize$/,
      handler: async ({ request, response, params }) => {
        const body = parseBody(resizeRequestSchema, await readJson(request));
        await sessions.resize(params[0] ?? '', body.columns, body.rows);
        ok(response, { resized: true });
      },
    },
    { method: 'GET', pattern: /^\/v1\/exec\/([^/]+)$/, handler: async ({ response, params }) => ok(response, await sessions.status(params[0] ?? '')) },
    { method: 'GET', pattern: /^\/v1\/policy$/, handler: ({ response }) => ok(response, deps.policy.view()) },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/activity$`),
      handler: async ({ request, response, params }) => {
        parseBody(activityRequestSchema, await readJson(request));
        ok(response, { deadline: autoOff.activity(name(params)) ?? null });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/extend$`),
      handler: async ({ request, response, params }) => {
        const body = parseBody(extendRequestSchema, await readJson(request));
        const until = body.until !== undefined ? Date.parse(body.until) : undefined;
        if (until !== undefined && Number.isNaN(until)) throw new DrydockError('invalid_input', `until: "${body.until}" is not a time; give an ISO time such as 2026-11-28T18:00:00Z.`, 'until');
        const deadline = autoOff.extendBy(name(params), until !== undefined ? { until } : { durationMs: parseDuration(body.duration ?? '', 'duration') });
        ok(response, { deadline: deadline ?? null });
      },
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/autooff$`),
      handler: async ({ request, response, params }) => {
        const body = parseBody(autoOffRequestSchema, await readJson(request));
        ok(response, { workspace: await autoOff.setAutoOff(name(params), body.setting) });
      },
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/schedule$`),
      handler: async ({ request, response, params }) => {
        const body = parseBody(scheduleRequestSchema, await readJson(request));
        service.get(name(params));
        ok(response, { workspace: await scheduler.set(name(params), body) });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/leases$`),
      handler: async ({ request, response, params }) => {
        const body = parseBody(leaseRequestSchema, await readJson(request));
        ok(response, autoOff.hold(name(params), body.holder, parseDuration(body.ttl, 'ttl')), 201);
      },
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/leases/([^/]+)$`),
      handler: async ({ request, response, params }) => {
        const body = parseBody(leaseRequestSchema, await readJson(request));
        ok(response, autoOff.renew(name(params), params[1] ?? '', parseDuration(body.ttl, 'ttl')));
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v1/workspaces/${NAME}/leases/([^/]+)$`),
      handler: ({ response, params }) => {
        autoOff.release(name(params), params[1] ?? '');
        ok(response, { released: true });
      },
    },
  ];
}

/** The workspace name from the path, checked like any other input. */
function name(params: string[]): string {
  const value = decodeURIComponent(params[0] ?? '');
  if (!WORKSPACE_NAME.test(value)) {
    throw new DrydockError('invalid_input', `name: "${value}" is not a workspace name (lowercase letters, digits and dashes); list them with \`drydock ls\`.`, 'name');
  }
  return value;
}
