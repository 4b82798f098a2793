import type { GenericSchema, InferInput, InferOutput } from 'valibot';
import type * as Schemas from './schemas';
import type {
  BuildInfoView,
  BuildStartedView,
  BuildStreamEvent,
  CreatedView,
  DaemonEvent,
  ExecStartedView,
  ExecStatusView,
  EngineView,
  RebuildSafetyView,
  Health,
  HostKeyView,
  LocalImageView,
  LeaseView,
  PolicyView,
  WorkspaceView,
} from './views';
import type { DirectoryEntryView, FileStatView, FileWatchEvent } from './fileViews';

/**
 * The API contract: every endpoint once, with its method, path pattern,
 * request schema and response type. The server registers its routes from
 * this table (src/backend/api/router.ts) and the client facade is typed by it
 * (src/client/drydockClient.ts), so a wrong path, body or response type does
 * not compile. Schemas are referenced by type only: this module loads no
 * validator, and the clients' bundles stay small.
 */

export const API_PREFIX = '/v1';
export const MAX_BODY_BYTES = 1024 * 1024;

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** JSON in, JSON out. `Body` is the schema that checks the request body (`undefined`: none is taken). */
export interface JsonEndpoint<
  M extends Method,
  P extends string,
  Body extends GenericSchema | undefined,
  Response,
  Query extends GenericSchema | undefined = undefined,
> {
  readonly kind: 'json';
  readonly method: M;
  readonly path: P;
  /** The status of a successful answer. */
  readonly status: 200 | 201 | 202;
  /** Sending it twice does what sending it once does (a heartbeat): a client may resend it when unsure it arrived. */
  readonly repeatable?: true;
  /** Types only, never set: what the body schema, the query schema and the response are. */
  readonly types?: { body: Body; query: Query; response: Response };
}

/** A plain-text answer (a build log). */
export interface TextEndpoint<P extends string> {
  readonly kind: 'text';
  readonly method: 'GET';
  readonly path: P;
}

/**
 * A server-sent event stream; each event is one JSON object of type `Event`.
 * A `named` stream's events are `{ event, data }`: the SSE event name and its data.
 */
export interface StreamEndpoint<P extends string, Event, Query extends GenericSchema | undefined = undefined> {
  readonly kind: 'events';
  readonly method: 'GET';
  readonly path: P;
  readonly named: boolean;
  readonly types?: { event: Event; query: Query };
}

/** Bytes out, streamed (a file's content, `application/octet-stream`); the query says which. */
export interface DownloadEndpoint<P extends string, Query extends GenericSchema> {
  readonly kind: 'download';
  readonly method: 'GET';
  readonly path: P;
  readonly types?: { query: Query };
}

/** Bytes in, streamed (`application/octet-stream`, any length), JSON out. */
export interface UploadEndpoint<P extends string, Query extends GenericSchema, Response> {
  readonly kind: 'upload';
  readonly method: 'PUT';
  readonly path: P;
  readonly types?: { query: Query; response: Response };
}

/** An HTTP upgrade to a raw byte stream (an exec session's terminal). */
export interface UpgradeEndpoint<P extends string> {
  readonly kind: 'upgrade';
  readonly method: 'POST';
  readonly path: P;
}

export type AnyEndpoint =
  | JsonEndpoint<Method, string, GenericSchema | undefined, unknown, GenericSchema | undefined>
  | TextEndpoint<string>
  | StreamEndpoint<string, unknown, GenericSchema | undefined>
  | DownloadEndpoint<string, GenericSchema>
  | UploadEndpoint<string, GenericSchema, unknown>
  | UpgradeEndpoint<string>;

const json =
  <Body extends GenericSchema | undefined, Response, Query extends GenericSchema | undefined = undefined>() =>
  <M extends Method, P extends string>(method: M, path: P, status: 200 | 201 | 202 = 200, repeatable?: true): JsonEndpoint<M, P, Body, Response, Query> => ({
    kind: 'json',
    method,
    path,
    status,
    ...(repeatable ? { repeatable } : {}),
  });
const text = <P extends string>(path: P): TextEndpoint<P> => ({ kind: 'text', method: 'GET', path });
const events =
  <Event, Query extends GenericSchema | undefined = undefined>() =>
  <P extends string>(path: P, named = false): StreamEndpoint<P, Event, Query> => ({ kind: 'events', method: 'GET', path, named });
const download =
  <Query extends GenericSchema>() =>
  <P extends string>(path: P): DownloadEndpoint<P, Query> => ({ kind: 'download', method: 'GET', path });
const upload =
  <Query extends GenericSchema, Response>() =>
  <P extends string>(path: P): UploadEndpoint<P, Query, Response> => ({ kind: 'upload', method: 'PUT', path });
const upgrade = <P extends string>(path: P): UpgradeEndpoint<P> => ({ kind: 'upgrade', method: 'POST', path });

type Workspace<T> = { workspace: T };

export const endpoints = {
  health: json<undefined, Health>()('GET', '/v1/health'),
  version: json<undefined, { version: string }>()('GET', '/v1/version'),
  shutdown: json<undefined, { stopping: true; waitingFor: string[] }>()('POST', '/v1/shutdown', 202),
  events: events<DaemonEvent>()('/v1/events'),
  policy: json<undefined, PolicyView>()('GET', '/v1/policy'),
  sshHostKey: json<undefined, HostKeyView, typeof Schemas.sshHostKeyQuerySchema>()('GET', '/v1/ssh/host-key'),
  trustSshHostKey: json<typeof Schemas.trustSshHostKeySchema, HostKeyView>()('POST', '/v1/ssh/trust'),

  listWorkspaces: json<undefined, { workspaces: WorkspaceView[] }>()('GET', '/v1/workspaces'),
  createWorkspace: json<typeof Schemas.createRequestSchema, CreatedView>()('POST', '/v1/workspaces', 201),
  getWorkspace: json<undefined, Workspace<WorkspaceView>>()('GET', '/v1/workspaces/:name'),
  deleteWorkspace: json<undefined, { deleted: string; homeDeleted: boolean }, typeof Schemas.deleteQuerySchema>()('DELETE', '/v1/workspaces/:name'),
  rebuild: json<typeof Schemas.rebuildRequestSchema, BuildStartedView>()('POST', '/v1/workspaces/:name/rebuild', 202),
  stop: json<undefined, Workspace<WorkspaceView>>()('POST', '/v1/workspaces/:name/stop'),
  rebuildSafety: json<undefined, RebuildSafetyView>()('GET', '/v1/workspaces/:name/rebuild-safety'),
  checkUpdate: json<undefined, Workspace<WorkspaceView>>()('POST', '/v1/workspaces/:name/update-check'),
  listImages: json<undefined, { images: LocalImageView[] }>()('GET', '/v1/images'),

  listEngines: json<undefined, { engines: EngineView[] }>()('GET', '/v1/engines'),
  addEngine: json<typeof Schemas.addEngineRequestSchema, { engine: EngineView }>()('POST', '/v1/engines', 201),
  removeEngine: json<undefined, { removed: string }>()('DELETE', '/v1/engines/:engine'),
  setDefaultEngine: json<undefined, { engines: EngineView[] }>()('PUT', '/v1/engines/:engine/default'),

  listBuilds: json<undefined, { builds: BuildInfoView[] }>()('GET', '/v1/workspaces/:name/builds'),
  buildLog: text('/v1/workspaces/:name/builds/:buildId/log'),
  followBuild: events<BuildStreamEvent>()('/v1/workspaces/:name/builds/current/stream', true),
  cancelBuild: json<undefined, { cancelled: true }>()('POST', '/v1/workspaces/:name/builds/current/cancel'),

  startExec: json<typeof Schemas.execRequestSchema, ExecStartedView>()('POST', '/v1/workspaces/:name/exec', 201),
  attachExec: upgrade('/v1/exec/:execId/attach'),
  resizeExec: json<typeof Schemas.resizeRequestSchema, { resized: true }>()('POST', '/v1/exec/:execId/resize'),
  execStatus: json<undefined, ExecStatusView>()('GET', '/v1/exec/:execId'),

  activity: json<typeof Schemas.activityRequestSchema, { deadline: string | null }>()('POST', '/v1/workspaces/:name/activity', 200, true),
  extend: json<typeof Schemas.extendRequestSchema, { deadline: string | null }>()('POST', '/v1/workspaces/:name/extend'),
  setAutoOff: json<typeof Schemas.autoOffRequestSchema, Workspace<WorkspaceView>>()('PUT', '/v1/workspaces/:name/autooff'),
  setSchedule: json<typeof Schemas.scheduleRequestSchema, Workspace<WorkspaceView>>()('PUT', '/v1/workspaces/:name/schedule'),
  holdLease: json<typeof Schemas.leaseRequestSchema, LeaseView>()('POST', '/v1/workspaces/:name/leases', 201),
  renewLease: json<typeof Schemas.leaseRequestSchema, { expiresAt: string }>()('PUT', '/v1/workspaces/:name/leases/:leaseId'),
  releaseLease: json<undefined, { released: true }>()('DELETE', '/v1/workspaces/:name/leases/:leaseId'),

  statFile: json<undefined, FileStatView, typeof Schemas.filePathQuerySchema>()('GET', '/v1/workspaces/:name/files/stat'),
  listDirectory: json<undefined, { entries: DirectoryEntryView[] }, typeof Schemas.filePathQuerySchema>()('GET', '/v1/workspaces/:name/files/list'),
  readFile: download<typeof Schemas.filePathQuerySchema>()('/v1/workspaces/:name/files/content'),
  writeFile: upload<typeof Schemas.writeFileQuerySchema, { size: number }>()('/v1/workspaces/:name/files/content'),
  createDirectory: json<typeof Schemas.createDirectoryRequestSchema, { created: string }>()('POST', '/v1/workspaces/:name/files/mkdir'),
  deleteFile: json<typeof Schemas.deleteFileRequestSchema, { deleted: string }>()('POST', '/v1/workspaces/:name/files/delete'),
  renameFile: json<typeof Schemas.renameFileRequestSchema, { renamed: string }>()('POST', '/v1/workspaces/:name/files/rename'),
  watchFiles: events<FileWatchEvent, typeof Schemas.watchQuerySchema>()('/v1/workspaces/:name/files/watch'),
} as const;

export type Endpoints = typeof endpoints;
export type EndpointName = keyof Endpoints;
export type JsonEndpointName = { [K in EndpointName]: Endpoints[K] extends { kind: 'json' } ? K : never }[EndpointName];
export type StreamEndpointName = { [K in EndpointName]: Endpoints[K] extends { kind: 'events' } ? K : never }[EndpointName];
export type DownloadEndpointName = { [K in EndpointName]: Endpoints[K] extends { kind: 'download' } ? K : never }[EndpointName];
export type UploadEndpointName = { [K in EndpointName]: Endpoints[K] extends { kind: 'upload' } ? K : never }[EndpointName];
/** The endpoints that are not JSON but take a query (streams of bytes or events). */
export type StreamQueryEndpointName = DownloadEndpointName | UploadEndpointName | StreamEndpointName;

/** `{ name: string; buildId: string }` from '/v1/workspaces/:name/builds/:buildId/log'. */
export type PathParams<P extends string> = P extends `${string}:${infer Param}/${infer Rest}`
  ? { [K in Param]: string } & PathParams<`/${Rest}`>
  : P extends `${string}:${infer Param}`
    ? { [K in Param]: string }
    : Record<never, never>;

export type ParamsOf<K extends EndpointName> = PathParams<Endpoints[K]['path']>;
type TypesOf<K extends JsonEndpointName> = NonNullable<Endpoints[K]['types']>;
type SchemaInput<S> = S extends GenericSchema ? InferInput<S> : undefined;
type SchemaOutput<S> = S extends GenericSchema ? InferOutput<S> : undefined;

/** What a client sends as the body of endpoint K (derived from its schema). */
export type BodyOf<K extends JsonEndpointName> = SchemaInput<TypesOf<K>['body']>;
/** What the server's handler gets, after validation and defaults. */
export type ParsedBodyOf<K extends JsonEndpointName> = SchemaOutput<TypesOf<K>['body']>;
export type QueryOf<K extends JsonEndpointName> = SchemaInput<TypesOf<K>['query']>;
export type ParsedQueryOf<K extends JsonEndpointName> = SchemaOutput<TypesOf<K>['query']>;
export type ResponseOf<K extends JsonEndpointName> = TypesOf<K>['response'];
export type EventOf<K extends StreamEndpointName> = NonNullable<Endpoints[K]['types']>['event'];
type StreamQuerySchema<K extends StreamQueryEndpointName> = NonNullable<Endpoints[K]['types']>['query'];
export type StreamQueryOf<K extends StreamQueryEndpointName> = SchemaInput<StreamQuerySchema<K>>;
export type ParsedStreamQueryOf<K extends StreamQueryEndpointName> = SchemaOutput<StreamQuerySchema<K>>;
export type UploadResponseOf<K extends UploadEndpointName> = NonNullable<Endpoints[K]['types']>['response'];

/** The concrete path of an endpoint, its parameters percent-encoded. */
export function pathFor(pattern: string, params: Record<string, string>): string {
  return pattern.replace(/:(\w+)/g, (_match, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`path parameter ${key} missing for ${pattern}`);
    return encodeURIComponent(value);
  });
}
