import type Dockerode from 'dockerode';
import { pathExists, pathKind, putDirectory, putEntries, readFile, statPath, type PathKind, type PathStat } from './archive';
import { connectDocker, connectEngineAt, connectEngineOfContext, pingTimeoutFor, pingWithin, type Connection } from './connect';
import {
  containerChanges,
  createContainer,
  inspectContainer,
  listContainers,
  removeContainer,
  renameContainer,
  startContainer,
  stopContainer,
  type ContainerSummary,
} from './containers';
import { execInContainer } from './exec';
import { runScript, type RunningScript, type ScriptOptions } from './scriptExec';
import { followContainerEvents, type ContainerEvent } from './events';
import { createInteractiveExec, type InteractiveExec, type InteractiveExecOptions } from './interactiveExec';
import { engineDisk, type EngineDisk } from './engineDisk';
import { inspectImage, listImages, pullImage, readImageFile, removeImage } from './images';
import { remoteDigest } from './registryClient';
import { createVolume, inspectVolume, listVolumes, removeVolume } from './volumes';
import type {
  ArchiveEntry,
  ContainerCreateSpec,
  ContainerInfo,
  EngineInfo,
  ExecOptions,
  FileChange,
  ImageInfo,
  LocalImage,
  PullProgress,
  VolumeInfo,
} from './types';

export type { EngineDisk, ContainerEvent, ContainerSummary, InteractiveExec, InteractiveExecOptions, PathKind, PathStat, RunningScript, ScriptOptions };
export type * from './types';

/**
 * Everything Drydock asks of Docker, in Drydock's own types. The backend holds
 * one of these; tests build one against the real engine.
 */
export class DockerAdapter {
  constructor(
    private readonly docker: Dockerode,
    readonly endpointDescription: string,
    /** Reached through a Unix socket on this machine: its bind mounts are this machine's folders. */
    readonly isLocal = true,
    private readonly pingTimeoutMs?: number,
    /** Ends what the connection holds open (an SSH link); nothing for a socket or TCP engine. */
    private readonly closeConnection: () => void = () => undefined,
  ) {}

  static async connect(): Promise<DockerAdapter> {
    const connection: Connection = await connectDocker();
    return DockerAdapter.of(connection);
  }

  /** An engine named by address or Docker context (an engine added with `drydock engine add`); not pinged here. */
  static at(target: { host: string } | { context: string }): DockerAdapter {
    const connection = 'host' in target ? connectEngineAt(target.host) : connectEngineOfContext(target.context);
    return DockerAdapter.of(connection);
  }

  private static of(connection: Connection): DockerAdapter {
    const { docker, endpoint } = connection;
    return new DockerAdapter(docker, endpoint.description, 'socketPath' in endpoint.options, pingTimeoutFor(endpoint), () => connection.close());
  }

  /** Lets go of the engine: an SSH link is closed now rather than by its idle timer (an engine removed, a backend stopping). */
  close(): void {
    this.closeConnection();
  }

  async ping(): Promise<void> {
    await pingWithin(this.docker, this.pingTimeoutMs);
  }

  /** What `drydock engine ls` shows of the engine: its version, platform and size. */
  async engineInfo(): Promise<EngineInfo> {
    const info = (await this.docker.info()) as {
      ServerVersion?: string;
      OSType?: string;
      OperatingSystem?: string;
      Architecture?: string;
      NCPU?: number;
      MemTotal?: number;
    };
    return {
      version: info.ServerVersion ?? '',
      os: info.OSType ?? '',
      operatingSystem: info.OperatingSystem ?? '',
      arch: info.Architecture ?? '',
      cpus: info.NCPU ?? 1,
      memoryBytes: info.MemTotal && info.MemTotal > 0 ? info.MemTotal : 0,
    };
  }

  async hostCpus(): Promise<number> {
    const info = (await this.docker.info()) as { NCPU?: number };
    return info.NCPU ?? 1;
  }

  /** The engine's total memory (on Docker Desktop, its VM's), the most a container can be given. */
  async hostMemoryBytes(): Promise<number> {
    const info = (await this.docker.info()) as { MemTotal?: number };
    return info.MemTotal && info.MemTotal > 0 ? info.MemTotal : Number.MAX_SAFE_INTEGER;
  }

  readonly images = {
    inspect: (reference: string): Promise<ImageInfo | undefined> => inspectImage(this.docker, reference),
    pull: (reference: string, onProgress?: (progress: PullProgress) => void, signal?: AbortSignal): Promise<void> =>
      pullImage(this.docker, reference, onProgress, signal),
    list: (): Promise<LocalImage[]> => listImages(this.docker),
    /** The registry's digest for the reference's tag now (a manifest HEAD; nothing is pulled). */
    remoteDigest: (reference: string): Promise<string> => remoteDigest(reference),
    readFile: (imageId: string, path: string, labels: Record<string, string>): Promise<Buffer | undefined> => readImageFile(this.docker, imageId, path, labels),
    /** Not forced: false when the engine refuses (a container uses it, or it has several tags). */
    remove: (id: string): Promise<boolean> => removeImage(this.docker, id),
    /** Free disk where the engine keeps images (statfs of its data root; unknown on a remote engine). */
    disk: (): Promise<EngineDisk> => engineDisk(this.docker, this.isLocal),
  };

  readonly volumes = {
    inspect: (name: string): Promise<VolumeInfo | undefined> => inspectVolume(this.docker, name),
    create: (name: string, labels: Record<string, string>): Promise<VolumeInfo> => createVolume(this.docker, name, labels),
    remove: (name: string): Promise<void> => removeVolume(this.docker, name),
    list: (labels: Record<string, string>): Promise<VolumeInfo[]> => listVolumes(this.docker, labels),
  };

  readonly containers = {
    create: (spec: ContainerCreateSpec): Promise<string> => createContainer(this.docker, spec),
    start: (id: string): Promise<void> => startContainer(this.docker, id),
    stop: (id: string, graceSeconds: number): Promise<void> => stopContainer(this.docker, id, graceSeconds),
    remove: (id: string): Promise<void> => removeContainer(this.docker, id),
    rename: (id: string, name: string): Promise<void> => renameContainer(this.docker, id, name),
    inspect: (idOrName: string): Promise<ContainerInfo | undefined> => inspectContainer(this.docker, idOrName),
    list: (labels: Record<string, string>): Promise<ContainerSummary[]> => listContainers(this.docker, labels),
    changes: (id: string): Promise<FileChange[]> => containerChanges(this.docker, id),
    exec: (id: string, command: string[], options?: ExecOptions): Promise<number> => execInContainer(this.docker, id, command, options),
    interactiveExec: (id: string, options: InteractiveExecOptions): Promise<InteractiveExec> => createInteractiveExec(this.docker, id, options),
    /** A shell script with argv, its output streamed with backpressure (workspace files). */
    script: (id: string, script: string, args: string[], options: ScriptOptions): Promise<RunningScript> => runScript(this.docker, id, script, args, options),
  };

  readonly events = {
    followContainers: (labels: Record<string, string>, onEvent: (event: ContainerEvent) => void, onEnd: (error?: Error) => void): Promise<() => void> =>
      followContainerEvents(this.docker, labels, onEvent, onEnd),
  };

  readonly files = {
    put: (containerId: string, directory: string, entries: ArchiveEntry[]): Promise<void> => putEntries(this.docker, containerId, directory, entries),
    read: (containerId: string, path: string): Promise<Buffer | undefined> => readFile(this.docker, containerId, path),
    stat: (containerId: string, path: string): Promise<PathStat | undefined> => statPath(this.docker, containerId, path),
    exists: (containerId: string, path: string): Promise<boolean> => pathExists(this.docker, containerId, path),
    kind: (containerId: string, path: string): Promise<PathKind | undefined> => pathKind(this.docker, containerId, path),
    putDirectory: (containerId: string, hostDirectory: string, parent: string, name: string, owner: { uid: number; gid: number }): Promise<void> =>
      putDirectory(this.docker, containerId, hostDirectory, parent, name, owner),
  };
}
