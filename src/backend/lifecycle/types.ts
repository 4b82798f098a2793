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
    }
  | { kind: 'unavailable'; reason: string; command: string };

/** Step 5 of a rebuild. Throws (hook_failed) to fail the build; returns warnings that leave it running. */
export interface HookStage {
  run(context: BuildContext): Promise<{ warnings: string[] }>;
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
