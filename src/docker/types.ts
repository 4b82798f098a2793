/**
 * The adapter's own types: the rest of Drydock never sees dockerode's.
 */
export interface ImageInfo {
  id: string;
  /** The image's USER, '' when unset (root). */
  user: string;
  repoTags: string[];
  /** `repo@sha256:...` per registry it came from; empty for an image built or loaded here. */
  repoDigests: string[];
  createdAt: string;
  /** The image's PATH, when its environment sets one. */
  pathEnv?: string;
}

/** One tag of an image on the engine. */
export interface LocalImage {
  reference: string;
  id: string;
  createdAt: string;
  sizeBytes: number;
  repoDigests: string[];
}

export interface VolumeInfo {
  name: string;
  labels: Record<string, string>;
  createdAt: string;
}

export interface ContainerInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  imageId: string;
  running: boolean;
  /** Docker's status word: created, running, exited, dead... */
  status: string;
  exitCode: number;
  startedAt?: string;
  nanoCpus: number;
  memoryBytes: number;
  user: string;
  /** The container's environment (the image's, the spec's, HOME and USER). */
  env: Record<string, string>;
  /** The named volumes it mounts, and where. */
  volumes: { name: string; target: string }[];
}

export interface ContainerCreateSpec {
  name: string;
  imageId: string;
  labels: Record<string, string>;
  /** `uid:gid` the main process (and default execs) run as. */
  user: string;
  workingDir: string;
  env: Record<string, string>;
  /** Replaces the image's ENTRYPOINT and CMD, so any image stays alive. */
  command: string[];
  /** Named volumes, and host folders (`bind`: a path on the engine's machine, so only on a local engine). */
  mounts: ({ volume: string; target: string } | { bind: string; target: string; readOnly?: boolean })[];
  nanoCpus?: number;
  memoryBytes?: number;
}

export type FileChangeKind = 'changed' | 'added' | 'deleted';

export interface FileChange {
  path: string;
  kind: FileChangeKind;
}

export type OutputStream = 'stdout' | 'stderr';

export interface ExecOptions {
  user?: string;
  env?: Record<string, string>;
  workingDir?: string;
  onOutput?: (stream: OutputStream, chunk: Buffer) => void;
  /** Hangs up on the process's output; the exit code is then -1. Docker has no exec kill: killing is the caller's job. */
  signal?: AbortSignal;
}

export interface PullProgress {
  /** Docker's status line, e.g. "Downloading" or "Pull complete". */
  status: string;
  layer?: string;
  current?: number;
  total?: number;
}

/** A file to put into a container through the archive API (never a command line or env). */
export interface ArchiveEntry {
  /** Path relative to the extraction directory. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  content?: Buffer;
  linkTarget?: string;
}

/** An engine as `docker info` describes it. */
export interface EngineInfo {
  version: string;
  /** `linux` or `windows`. */
  os: string;
  /** The host's distribution, e.g. "Debian GNU/Linux 12 (bookworm)". */
  operatingSystem: string;
  arch: string;
  cpus: number;
  /** The engine's total memory (0: not reported). */
  memoryBytes: number;
}
