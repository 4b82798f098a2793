import { DrydockError } from '../../core/errors';
import type { DockerAdapter } from '../../docker/adapter';
import { BuildRunner } from '../builds/buildRunner';
import type { BuildLogStore } from '../builds/logStore';
import { WorkspaceLifecycle, type LifecycleOptions } from '../lifecycle/workspaceLifecycle';

/** What the service works with on one engine: its adapter, lifecycle and build runner, and its size. */
export interface EngineRuntime {
  name: string;
  docker: DockerAdapter;
  lifecycle: WorkspaceLifecycle;
  runner: BuildRunner;
  hostCpus: number;
  hostMemoryBytes: number;
  reachable: boolean;
  /** Why it is not reachable (undefined while it is). */
  error?: string;
}

/**
 * One runtime per engine the backend speaks to. An engine that goes away
 * keeps its runtime (its builds in flight keep their runner) and is marked
 * unreachable with the reason; only its own workspaces show `unknown`.
 */
export class EngineRuntimes {
  private readonly runtimes = new Map<string, EngineRuntime>();
  private readonly reasons = new Map<string, string>();

  constructor(
    private readonly logs: BuildLogStore,
    private readonly lifecycleOptions: (engine: string) => LifecycleOptions,
  ) {}

  /** The engine answers: (re)make its lifecycle if the adapter changed (builds in flight keep theirs), and mark it reachable. */
  async up(name: string, docker: DockerAdapter): Promise<EngineRuntime> {
    let runtime = this.runtimes.get(name);
    if (runtime?.docker !== docker) {
      const lifecycle = new WorkspaceLifecycle(docker, this.lifecycleOptions(name));
      runtime = {
        name,
        docker,
        lifecycle,
        runner: new BuildRunner(lifecycle, this.logs),
        hostCpus: await docker.hostCpus(),
        hostMemoryBytes: await docker.hostMemoryBytes(),
        reachable: false,
      };
      this.runtimes.set(name, runtime);
    }
    runtime.reachable = true;
    delete runtime.error;
    this.reasons.delete(name);
    return runtime;
  }

  down(name: string, reason: string): void {
    const runtime = this.runtimes.get(name);
    if (runtime) {
      runtime.reachable = false;
      runtime.error = reason;
    }
    this.reasons.set(name, reason);
  }

  /** An engine removed with `drydock engine rm`. */
  forget(name: string): void {
    this.runtimes.delete(name);
    this.reasons.delete(name);
  }

  get(name: string): EngineRuntime | undefined {
    return this.runtimes.get(name);
  }

  isReachable(name: string): boolean {
    return this.runtimes.get(name)?.reachable ?? false;
  }

  /** Why an engine cannot be used now; undefined while it answers. */
  problem(name: string): string | undefined {
    if (this.isReachable(name)) return undefined;
    return this.reasons.get(name) ?? 'not connected yet';
  }

  reachable(): EngineRuntime[] {
    return [...this.runtimes.values()].filter((runtime) => runtime.reachable);
  }

  /** The runtime of a reachable engine, or `docker_unreachable` naming the engine and why. */
  require(name: string): EngineRuntime {
    const runtime = this.runtimes.get(name);
    if (!runtime?.reachable) {
      throw new DrydockError(
        'docker_unreachable',
        `the Docker engine "${name}" cannot be reached (${this.problem(name) ?? 'not connected yet'}); start it or check \`drydock engine ls\`. Nothing was changed, and Drydock reconnects on its own.`,
      );
    }
    return runtime;
  }

  /** Whether a workspace builds on any engine (an engine reached under two names shares its containers). */
  isBuilding(workspace: string): boolean {
    return [...this.runtimes.values()].some((runtime) => runtime.runner.current(workspace) !== undefined);
  }

  /** Waits (bounded) until no engine has a build running. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const running = (): number => [...this.runtimes.values()].reduce((sum, runtime) => sum + runtime.runner.running, 0);
    while (Date.now() < deadline && running() > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
