import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type {
  DownloadEndpointName,
  EndpointName,
  Endpoints,
  EventOf,
  JsonEndpointName,
  ParamsOf,
  ParsedBodyOf,
  ParsedQueryOf,
  ParsedStreamQueryOf,
  ResponseOf,
  StreamEndpointName,
  UploadEndpointName,
  UploadResponseOf,
} from '../../api/endpoints';
import type { Health, HostKeyView } from '../../api/views';
import { parseDuration } from '../../core/duration';
import { DrydockError } from '../../core/errors';
import type { AutoOffManager } from '../autooff/autoOffManager';
import type { BuildLogStore } from '../builds/logStore';
import type { Scheduler } from '../schedule/scheduler';
import type { FileWatches } from '../files/fileWatches';
import type { WorkspaceFiles } from '../files/workspaceFiles';
import type { ExecSessions } from '../workspaces/execSessions';
import type { Engines } from '../workspaces/engines';
import type { WorkspaceService } from '../workspaces/workspaceService';
import type { EventFeed } from './eventFeed';
import { createFileHandlers } from './fileHandlers';
import { buildLogEntryView, fileChangeView, localImageView, type WireViews } from './wireViews';

/** Where a stream handler writes its events; `onClose` runs when the client goes away. */
export interface EventSink<Event> {
  send(event: Event): void;
  end(): void;
  onClose(listener: () => void): void;
}

type JsonHandler<K extends JsonEndpointName> = (request: {
  params: ParamsOf<K>;
  body: ParsedBodyOf<K>;
  query: ParsedQueryOf<K>;
}) => ResponseOf<K> | Promise<ResponseOf<K>>;
type StreamHandler<K extends StreamEndpointName> = (
  request: { params: ParamsOf<K>; query: ParsedStreamQueryOf<K> },
  sink: EventSink<EventOf<K>>,
) => void | Promise<void>;
/** Answers the content as a stream; throws (before any byte) to refuse. */
type DownloadHandler<K extends DownloadEndpointName> = (request: { params: ParamsOf<K>; query: ParsedStreamQueryOf<K> }) => Promise<Readable>;
type UploadHandler<K extends UploadEndpointName> = (request: {
  params: ParamsOf<K>;
  query: ParsedStreamQueryOf<K>;
  body: Readable;
}) => Promise<UploadResponseOf<K>>;
type HandlerFor<K extends EndpointName> = K extends JsonEndpointName
  ? JsonHandler<K>
  : K extends StreamEndpointName
    ? StreamHandler<K>
    : K extends DownloadEndpointName
      ? DownloadHandler<K>
      : K extends UploadEndpointName
        ? UploadHandler<K>
        : Endpoints[K] extends { kind: 'text' }
          ? (request: { params: ParamsOf<K> }) => Promise<string>
          : (request: { params: ParamsOf<K> }, socket: Socket, head: Buffer) => Promise<void>;

/** One handler per endpoint of the table: a missing one, or one answering the wrong type, does not compile. */
export type Handlers = { [K in EndpointName]: HandlerFor<K> };

export interface HandlerDeps {
  service: WorkspaceService;
  engines: Engines;
  files: WorkspaceFiles;
  watches: FileWatches;
  sessions: ExecSessions;
  logs: BuildLogStore;
  feed: EventFeed;
  views: WireViews;
  autoOff: AutoOffManager;
  scheduler: Scheduler;
  health: () => Health;
  /** SSH engines' host keys: look at one, and trust one the user confirmed by its fingerprint. */
  sshHostKeys: { inspect(host: string): Promise<HostKeyView>; trust(host: string, fingerprint: string): Promise<HostKeyView> };
  shutdown: () => void;
}

/** An attached exec session is work in progress: it holds a busy lease until it ends. */
const EXEC_LEASE_MS = 24 * 60 * 60_000;

/** The API's handlers: each validates nothing itself (the router did), calls the domain, and maps the answer to its wire view. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { service, sessions, logs, feed, views, autoOff, scheduler } = deps;
  return {
    health: () => deps.health(),
    version: () => ({ version: deps.health().version }),
    shutdown: () => {
      // Answer first: the shutdown closes this connection.
      setImmediate(deps.shutdown);
      // What the backend lets finish before it exits, so `daemon stop` can say what it waits for.
      const waitingFor = service.names().flatMap((name) => (service.currentBuild(name) ? [`the build of ${name}`] : []));
      return { stopping: true, waitingFor };
    },
    policy: () => views.policy(),
    sshHostKey: ({ query }) => deps.sshHostKeys.inspect(query.host),
    trustSshHostKey: ({ body }) => deps.sshHostKeys.trust(body.host, body.fingerprint),
    events: (_request, sink) => {
      for (const workspace of views.workspaces()) sink.send({ type: 'workspace', workspace });
      sink.onClose(feed.subscribe((event) => sink.send(event)));
    },

    listWorkspaces: () => ({ workspaces: views.workspaces() }),
    createWorkspace: async ({ body }) => {
      const created = await service.create(body.spec, body.build, body.engine);
      return { workspace: views.workspace(created.name), ...(created.build ? { buildId: created.build.id } : {}) };
    },
    getWorkspace: ({ params }) => ({ workspace: views.workspace(params.name) }),
    deleteWorkspace: async ({ params, query }) => {
      const deleteHome = query.deleteHome === 'true';
      await service.delete(params.name, deleteHome);
      return { deleted: params.name, homeDeleted: deleteHome };
    },
    rebuild: ({ params, body }) => {
      const build = service.rebuild(params.name, body.changes, body.pull);
      return { buildId: build.id, workspace: views.workspace(params.name) };
    },
    stop: async ({ params }) => {
      await service.stop(params.name);
      return { workspace: views.workspace(params.name) };
    },
    rebuildSafety: async ({ params }) => {
      const list = await service.rebuildSafety(params.name);
      return { changes: list.changes.map(fileChangeView), more: list.more };
    },
    checkUpdate: async ({ params }) => {
      await service.images.checkUpdate(params.name);
      return { workspace: views.workspace(params.name) };
    },
    listImages: async () => ({ images: (await service.images.local()).map(localImageView) }),

    listEngines: () => ({ engines: views.engines() }),
    addEngine: async ({ body }) => {
      await deps.engines.add(body.name, body.host !== undefined ? { host: body.host } : { context: body.context ?? '' });
      return { engine: views.engine(body.name) };
    },
    removeEngine: async ({ params }) => {
      // A workspace is pinned to its engine (its home lives there): the engine stays while one does.
      const { workspaces } = service.engineLoad(params.engine);
      if (workspaces.length > 0) {
        throw new DrydockError(
          'conflict',
          `engine ${params.engine} still has workspaces: ${workspaces.join(', ')}; delete them first (drydock rm NAME), then remove the engine.`,
          'engine',
        );
      }
      await deps.engines.remove(params.engine);
      service.engines.forget(params.engine);
      return { removed: params.engine };
    },
    setDefaultEngine: async ({ params }) => {
      await deps.engines.setDefault(params.engine);
      return { engines: views.engines() };
    },

    listBuilds: async ({ params }) => {
      service.record(params.name);
      return { builds: (await logs.list(params.name)).map(({ buildId, modifiedAt, sizeBytes }) => ({ buildId, modifiedAt, sizeBytes })) };
    },
    buildLog: ({ params }) => logs.read(params.name, params.buildId),
    followBuild: ({ params }, sink) => {
      const build = service.currentBuild(params.name);
      if (!build) throw new DrydockError('not_found', `workspace ${params.name} is not building; see its last build with \`drydock logs ${params.name}\`.`);
      sink.send({ event: 'build', data: { buildId: build.id } });
      // The log's result comes a moment before the record shows the build's end: the stream ends once it does.
      const recorded = service.builds.recorded(params.name, build.id);
      sink.onClose(
        build.log.subscribe((entry) => {
          sink.send({ event: 'message', data: buildLogEntryView(entry) });
          if (entry.kind === 'result') void recorded.then(() => sink.end());
        }),
      );
    },

    cancelBuild: ({ params }) => {
      service.cancelBuild(params.name);
      return { cancelled: true };
    },

    startExec: ({ params, body }) => sessions.start(params.name, body),
    attachExec: async ({ params }, socket, head) => {
      const { stream, workspace } = await sessions.attach(params.execId);
      let lease: string | undefined;
      try {
        lease = autoOff.hold(workspace, 'exec session', EXEC_LEASE_MS).leaseId;
      } catch {
        // A workspace without a clock (auto-off off) needs no lease.
      }
      const release = (): void => {
        if (lease) autoOff.release(workspace, lease);
        lease = undefined;
      };
      stream.once('close', release);
      socket.once('close', release);
      socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      if (head.length > 0) stream.write(head);
      stream.pipe(socket);
      socket.pipe(stream);
      stream.on('end', () => socket.end());
      stream.on('error', () => socket.destroy());
      socket.on('error', () => stream.destroy());
      socket.on('close', () => stream.destroy());
    },
    resizeExec: async ({ params, body }) => {
      await sessions.resize(params.execId, body.columns, body.rows);
      return { resized: true };
    },
    execStatus: ({ params }) => sessions.status(params.execId),

    activity: ({ params }) => ({ deadline: autoOff.activity(params.name) ?? null }),
    extend: ({ params, body }) => {
      const by = body.until !== undefined ? { until: Date.parse(body.until) } : { durationMs: parseDuration(body.duration ?? '', 'duration') };
      return { deadline: autoOff.extendBy(params.name, by) ?? null };
    },
    setAutoOff: async ({ params, body }) => {
      await autoOff.setAutoOff(params.name, body.setting);
      return { workspace: views.workspace(params.name) };
    },
    setSchedule: async ({ params, body }) => {
      service.record(params.name);
      await scheduler.set(params.name, body);
      return { workspace: views.workspace(params.name) };
    },
    holdLease: ({ params, body }) => autoOff.hold(params.name, body.holder, parseDuration(body.ttl, 'ttl')),
    renewLease: ({ params, body }) => autoOff.renew(params.name, params.leaseId, parseDuration(body.ttl, 'ttl')),
    releaseLease: ({ params }) => {
      autoOff.release(params.name, params.leaseId);
      return { released: true };
    },
    ...createFileHandlers(deps.files, deps.watches),
  };
}
