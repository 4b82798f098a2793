import type { Socket } from 'node:net';
import {
  endpoints,
  pathFor,
  type BodyOf,
  type EndpointName,
  type EventOf,
  type JsonEndpointName,
  type ParamsOf,
  type QueryOf,
  type ResponseOf,
  type StreamEndpointName,
  type StreamQueryOf,
} from '../api/endpoints';
import type { PullPolicy } from '../core/imageReference';
import type { SpecInput } from '../core/spec';
import type { ExecRequest, ScheduleRequest, WriteFileQuery } from '../api/schemas';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { BuildStreamEvent, DaemonEvent, EngineView, WorkspaceView } from '../api/views';
import type { FileWatchEvent } from '../api/fileViews';
import { Transport } from './transport';

/**
 * The backend API as the CLI and the extension use it: one method per verb,
 * each typed by the endpoint table (src/api/endpoints.ts), so the path, the
 * body and the answer cannot disagree with the server's.
 */
export class DrydockClient {
  readonly transport: Transport;

  constructor(socketPath: string) {
    this.transport = new Transport(socketPath);
  }

  get socketPath(): string {
    return this.transport.socketPath;
  }

  health() {
    return this.call('health', {}, undefined);
  }
  shutdown() {
    return this.call('shutdown', {}, undefined);
  }
  policy() {
    return this.call('policy', {}, undefined);
  }
  /** The host key an ssh:// engine presents now, and whether the backend's known_hosts knows it. */
  sshHostKey(host: string) {
    return this.call('sshHostKey', {}, undefined, { host });
  }
  /** Adds the engine's key to known_hosts if it still has this fingerprint and is not a changed key. */
  trustSshHostKey(host: string, fingerprint: string) {
    return this.call('trustSshHostKey', {}, { host, fingerprint });
  }

  async listWorkspaces(): Promise<WorkspaceView[]> {
    return (await this.call('listWorkspaces', {}, undefined)).workspaces;
  }
  async workspace(name: string): Promise<WorkspaceView> {
    return (await this.call('getWorkspace', { name }, undefined)).workspace;
  }
  /** `engine`: where it lives (a name from `engines()`, or `auto`); absent: the default engine. */
  createWorkspace(spec: SpecInput, options: { build?: boolean; engine?: string } = {}) {
    return this.call('createWorkspace', {}, { spec, build: options.build ?? true, ...(options.engine ? { engine: options.engine } : {}) });
  }
  /** `pull`: this build's pull policy, over the workspace's own. */
  rebuild(name: string, changes: Partial<SpecInput> = {}, pull?: PullPolicy) {
    return this.call('rebuild', { name }, { changes, ...(pull ? { pull } : {}) });
  }
  /** Cancels the running build while it pulls; `conflict` once it replaces the container. */
  cancelBuild(name: string) {
    return this.call('cancelBuild', { name }, undefined);
  }
  /** Asks the registry whether the workspace's tag moved; the view's `update` has the answer. */
  async checkUpdate(name: string): Promise<WorkspaceView> {
    return (await this.call('checkUpdate', { name }, undefined)).workspace;
  }
  async images() {
    return (await this.call('listImages', {}, undefined)).images;
  }

  async engines(): Promise<EngineView[]> {
    return (await this.call('listEngines', {}, undefined)).engines;
  }
  /** Adds an engine by address (`{ host }`) or Docker context (`{ context }`). */
  async addEngine(name: string, target: { host: string } | { context: string }): Promise<EngineView> {
    return (await this.call('addEngine', {}, { name, ...target })).engine;
  }
  removeEngine(name: string) {
    return this.call('removeEngine', { engine: name }, undefined);
  }
  async setDefaultEngine(name: string): Promise<EngineView[]> {
    return (await this.call('setDefaultEngine', { engine: name }, undefined)).engines;
  }
  async stop(name: string): Promise<WorkspaceView> {
    return (await this.call('stop', { name }, undefined)).workspace;
  }
  deleteWorkspace(name: string, options: { deleteHome?: boolean } = {}) {
    return this.call('deleteWorkspace', { name }, undefined, options.deleteHome ? { deleteHome: 'true' } : {});
  }
  /** What a rebuild would discard outside home: changes since the last build, largest first, and how many more. */
  rebuildSafety(name: string) {
    return this.call('rebuildSafety', { name }, undefined);
  }

  async builds(name: string) {
    return (await this.call('listBuilds', { name }, undefined)).builds;
  }
  buildLog(name: string, buildId: string): Promise<string> {
    return this.transport.text('GET', pathFor(endpoints.buildLog.path, { name, buildId }));
  }
  /** The running build of `name`, live: first its id, then every entry until the result. Throws not_found when it is not building. */
  followBuild(name: string, onEvent: (event: BuildStreamEvent) => void, signal?: AbortSignal): Promise<void> {
    return this.follow('followBuild', { name }, (data, event) => onEvent({ event, data } as BuildStreamEvent), signal);
  }
  /** Every workspace as it is now, then each change, until `signal` aborts or the backend goes away. */
  events(onEvent: (event: DaemonEvent) => void, signal?: AbortSignal): Promise<void> {
    return this.follow('events', {}, (data) => onEvent(data), signal);
  }

  startExec(name: string, request: ExecRequest) {
    return this.call('startExec', { name }, request);
  }
  attachExec(execId: string): Promise<Socket> {
    return this.transport.upgrade(pathFor(endpoints.attachExec.path, { execId }));
  }
  resizeExec(execId: string, columns: number, rows: number) {
    return this.call('resizeExec', { execId }, { columns, rows });
  }
  execStatus(execId: string) {
    return this.call('execStatus', { execId }, undefined);
  }

  activity(name: string, source: 'editor' | 'terminal' | 'cli' | 'api' = 'api') {
    return this.call('activity', { name }, { source });
  }
  extend(name: string, by: { duration: string } | { until: Date }) {
    return this.call('extend', { name }, 'duration' in by ? { duration: by.duration } : { until: by.until.toISOString() });
  }
  async setAutoOff(name: string, setting: string): Promise<WorkspaceView> {
    return (await this.call('setAutoOff', { name }, { setting })).workspace;
  }
  async setSchedule(name: string, schedule: ScheduleRequest): Promise<WorkspaceView> {
    return (await this.call('setSchedule', { name }, schedule)).workspace;
  }
  holdLease(name: string, holder: string, ttl?: string) {
    return this.call('holdLease', { name }, { holder, ...(ttl ? { ttl } : {}) });
  }
  renewLease(name: string, leaseId: string, holder: string, ttl?: string) {
    return this.call('renewLease', { name, leaseId }, { holder, ...(ttl ? { ttl } : {}) });
  }
  releaseLease(name: string, leaseId: string) {
    return this.call('releaseLease', { name, leaseId }, undefined);
  }

  /** A workspace's files, as its user: `path` is absolute in the container. */
  statFile(name: string, path: string) {
    return this.call('statFile', { name }, undefined, { path });
  }
  async listDirectory(name: string, path: string) {
    return (await this.call('listDirectory', { name }, undefined, { path })).entries;
  }
  /** The file's bytes, streamed: refusals (missing, not readable) are thrown before the stream is answered. */
  readFile(name: string, path: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const query: StreamQueryOf<'readFile'> = { path };
    return this.transport.download(withQuery(pathFor(endpoints.readFile.path, { name }), query), signal);
  }
  async writeFile(
    name: string,
    path: string,
    content: Uint8Array | Readable,
    options: { create?: boolean; overwrite?: boolean } = {},
  ): Promise<{ size: number }> {
    const query: WriteFileQuery = { path, create: options.create === false ? 'false' : 'true', overwrite: options.overwrite === false ? 'false' : 'true' };
    return (await this.transport.upload(withQuery(pathFor(endpoints.writeFile.path, { name }), query), content)) as { size: number };
  }
  createDirectory(name: string, path: string) {
    return this.call('createDirectory', { name }, { path });
  }
  deleteFile(name: string, path: string, options: { recursive?: boolean } = {}) {
    return this.call('deleteFile', { name }, { path, recursive: options.recursive ?? false });
  }
  renameFile(name: string, from: string, to: string, options: { overwrite?: boolean } = {}) {
    return this.call('renameFile', { name }, { from, to, overwrite: options.overwrite ?? false });
  }
  /** Changes under `path` until `signal` aborts, the workspace stops (an `ended` event), or the backend goes away. */
  watchFiles(name: string, path: string, recursive: boolean, onEvent: (event: FileWatchEvent) => void, signal?: AbortSignal): Promise<void> {
    const query: StreamQueryOf<'watchFiles'> = { path, recursive: recursive ? 'true' : 'false' };
    return this.transport.stream(withQuery(pathFor(endpoints.watchFiles.path, { name }), query), (data) => onEvent(data as FileWatchEvent), signal);
  }

  /** One JSON endpoint of the table, typed by it. */
  async call<K extends JsonEndpointName>(name: K, params: ParamsOf<K>, body: BodyOf<K>, query?: QueryOf<K>): Promise<ResponseOf<K>> {
    const endpoint = endpoints[name];
    const repeatable = endpoint.repeatable === true;
    return (await this.transport.json(endpoint.method, withQuery(pathFor(endpoint.path, params), query), body, { repeatable })) as ResponseOf<K>;
  }

  private follow<K extends StreamEndpointName>(
    name: K,
    params: ParamsOf<K>,
    onEvent: (data: EventOf<K> extends { data: unknown } ? EventOf<K>['data'] : EventOf<K>, event: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const endpoint = endpoints[name as EndpointName];
    return this.transport.stream(pathFor(endpoint.path, params), onEvent as (data: unknown, event: string) => void, signal);
  }
}

function withQuery(path: string, query: object | undefined): string {
  const entries = Object.entries(query ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return entries.length === 0 ? path : `${path}?${new URLSearchParams(entries).toString()}`;
}
