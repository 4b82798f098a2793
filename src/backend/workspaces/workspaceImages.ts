import type { LocalImage } from '../../docker/adapter';
import type { PulledImage } from '../lifecycle/imagePulls';
import type { EngineRuntimes } from './engineRuntimes';
import { PulledImages } from './pulledImages';
import type { PulledImageRecord } from './records';
import { registryCheck } from './registryCheck';
import type { WorkspaceRecords } from './workspaceRecords';

export interface WorkspaceImagesDeps {
  records: WorkspaceRecords;
  engines: EngineRuntimes;
  log: (message: string) => void;
  /** The default engine's name, for listing images when none is named. */
  defaultEngine: () => string;
  /** After each update check (background or asked for): the pull ahead looks at what it saw. */
  afterUpdateCheck?: ((name: string) => void) | undefined;
}

/**
 * The images side of the workspaces: whether a workspace's tag moved in its
 * registry, and the images Drydock's own pulls brought onto each engine
 * (the only ones it ever removes, once nothing there uses them).
 */
export class WorkspaceImages {
  private readonly pulled: PulledImages;

  constructor(private readonly deps: WorkspaceImagesDeps) {
    this.pulled = new PulledImages(() => void deps.records.save('soon'), deps.log);
  }

  load(pulled: readonly PulledImageRecord[]): void {
    this.pulled.load(pulled);
  }

  /** The images Drydock pulled, on which engine, as the state file keeps them. */
  stored(): PulledImageRecord[] {
    return this.pulled.stored();
  }

  /** A pull on `engine` changed what a tag points at. */
  remember(engine: string, image: PulledImage): void {
    this.pulled.remember(engine, image);
  }

  /** The tagged images of an engine (the default one unless named), newest first. */
  local(engine?: string): Promise<LocalImage[]> {
    return this.deps.engines.require(engine ?? this.deps.defaultEngine()).docker.images.list();
  }

  /** Asks the registry whether the workspace's tag moved (see registryCheck) and keeps the answer. */
  async checkUpdate(name: string): Promise<void> {
    const { records, engines } = this.deps;
    const record = records.require(name);
    const check = await registryCheck(record, records.specOf(record), engines.require(records.engineOf(record)).docker);
    if (!check || !records.map.has(name)) return;
    record.updateCheck = check;
    await records.changed(record, 'durable');
    this.deps.afterUpdateCheck?.(name);
  }

  /**
   * After a successful rebuild on `engine`: the images Drydock pulled there
   * that no workspace or container there uses any more are removed (see PulledImages).
   */
  removeUnused(engine: string): Promise<string[]> {
    const { records, engines } = this.deps;
    const runtime = engines.get(engine);
    if (!runtime) return Promise.resolve([]);
    const workspaces = records.on(engine).map((record) => ({ imageId: record.image?.id, reference: records.specOf(record)?.image }));
    return this.pulled.removeUnused(runtime, workspaces);
  }
}
