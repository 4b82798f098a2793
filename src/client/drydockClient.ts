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
} from '../api/endpoints';
import type { PullPolicy } from '../core/imageReference';
import type { SpecInput } from '../core/spec';
import type { ExecRequest, ScheduleRequest } from '../api/schemas';
import type { BuildStreamEvent, DaemonEvent, WorkspaceView } from '../api/views';
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

  async listWorkspaces(): Promise<WorkspaceView[]> {
    return (await this.call('listWorkspaces', {}, undefined)).workspaces;
  }
  async workspace(name: string): Promise<WorkspaceView> {
    return (await this.call('getWorkspace', { name }, undefined)).workspace;
  }
  createWorkspace(spec: SpecInput, options: { build?: boolean } = {}) {
    return this.call('createWorkspace', {}, { spec, build: options.build ?? true });
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
  async stop(name: string): Promise<WorkspaceView> {
    return (await this.call('stop', { name }, undefined)).workspace;
  }
  deleteWorkspace(name: string, options: { deleteHome?: boolean } = {}) {
    return this.call('deleteWorkspace', { name }, undefined, options.deleteHome ? { deleteHome: 'true' } : {});
  }
  async rebuildSafety(name: string) {
    return (await this.call('rebuildSafety', { name }, undefined)).changes;
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

  /** One JSON endpoint of the table, typed by it. */
  async call<K extends JsonEndpointName>(name: K, params: ParamsOf<K>, body: BodyOf<K>, query?: QueryOf<K>): Promise<ResponseOf<K>> {
    const endpoint = endpoints[name];
    return (await this.transport.json(endpoint.method, withQuery(pathFor(endpoint.path, params), query), body)) as ResponseOf<K>;
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
