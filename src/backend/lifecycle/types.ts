import type { DrydockError } from '../../core/errors';
import type { PasswdEntry } from '../../core/passwd';
import type { WorkspaceSpec } from '../../core/spec';
import type { WorkspaceState } from '../../core/state';
import type { DockerAdapter } from '../../docker/adapter';
import type { BuildReporter } from './buildReporter';

/** What the hook stage gets once the new container runs. */
export interface BuildContext {
  spec: WorkspaceSpec;
  buildId: string;
  containerId: string;
  user: PasswdEntry;
  home: string;
  docker: DockerAdapter;
  reporter: BuildReporter;
  /** Drydock inside the workspace for this build: its token and command, or why there is none. */
  inside?: InsideBuild;
  /** Where the build bind-mounted the `drydock` command (inside is ready): nothing to put in for it. */
  insideCommandAt?: string;
  /** Hook 1's home files, already written through the stopped old container (HookStage.throughOldContainer). */
  homeWrittenEarly?: HomeWrittenEarly;
}

/** The stopped old container, which mounts the same home volume at `home` (its own user's home). */
export interface OldContainerHome {
  spec: WorkspaceSpec;
  /** The new build's user: the files are theirs. */
  user: PasswdEntry;
  docker: DockerAdapter;
  containerId: string;
  home: string;
  inside?: InsideBuild;
}

/** What hook 1 wrote into home before the new container ran, for its step to report: names, modes and sizes only. */
export interface HomeWrittenEarly {
  files: { path: string; mode: number; bytes: number }[];
  /** Paths not written because of a symbolic link on their way. */
  refused: string[];
  /** For the build log: each refused link, a missing public key. */
  warnings: string[];
}

/**
 * What a build needs of Drydock inside the workspace (backend/inside). Defined
 * here, implemented there, so the lifecycle does not depend on it.
 */
export interface InsideAccess {
  /**
   * Before the new container is created: rotates the workspace's token (the
   * previous build's stops working) and readies its control folder. Never
   * throws: what cannot be readied comes back `unavailable`, with the reason.
   */
  prepare(request: { workspace: string; user: PasswdEntry; docker: DockerAdapter }): Promise<InsideBuild>;
}

export type InsideBuild =
  | {
      kind: 'ready';
      /** The control folder, bind-mounted into the container. */
      mount: { bind: string; target: string };
      /** The build's credential: written into home by the Inject secrets hook, never logged. */
      token: string;
      /** The `drydock` command's text. */
      command: string;
      /** That command as a file on this machine, bind-mounted read-only where the container's PATH finds it. */
      commandFile: string;
    }
  | { kind: 'unavailable'; reason: string; command: string };

/** Step 5 of a rebuild. Throws (hook_failed) to fail the build; returns warnings that leave it running. */
export interface HookStage {
  run(context: BuildContext): Promise<{ warnings: string[] }>;
  /**
   * Hook 1's files written into home through the stopped old container while
   * the new one starts, off the build's critical path. Undefined when they
   * must wait for the new container (run writes them then); never throws.
   */
  throughOldContainer?(old: OldContainerHome): Promise<HomeWrittenEarly | undefined>;
}

export interface RebuildOutcome {
  buildId: string;
  state: Extract<WorkspaceState, 'running' | 'failed'>;
  containerId?: string;
  imageId: string;
  /** The registry digest of the image the build ran; absent for an image built or loaded on the engine. */
  imageDigest?: string;
  /** Whether the build asked the registry for the latest (so `imageDigest` was current then). */
  pulled: boolean;
  user: string;
  warnings: string[];
  /** Why the build failed; the container is kept for debugging when one was created. */
  error?: DrydockError;
  durationMs: number;
}

/** A workspace as Docker shows it, found by labels only. */
export interface WorkspaceObservation {
  name: string;
  /** From Docker alone: running, failed (container not running), or off (home only). */
  state: Extract<WorkspaceState, 'running' | 'failed' | 'off'>;
  container?: {
    id: string;
    status: string;
    exitCode: number;
    imageId: string;
    /** The container's environment: where adoption finds the spec's env values. */
    env: Record<string, string>;
    /** The spec label (core/specLabel.ts) of the build that made it. */
    spec?: string;
    image: string;
    user: string;
    buildId: string;
    builtAt: string;
  };
  homeVolume?: string;
  /** The spec label of the home volume: the spec the workspace was created with. */
  homeSpec?: string;
}
