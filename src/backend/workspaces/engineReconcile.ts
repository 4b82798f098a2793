import { errorMessage } from '../../core/errors';
import type { WorkspaceObservation } from '../lifecycle/types';
import type { BuildLogStore } from '../builds/logStore';
import type { EngineRuntimes } from './engineRuntimes';
import { adoptedRecord, applyObservation, INTERRUPTED_MESSAGE } from './reconcile';
import type { WorkspaceRecord } from './records';

export interface ReconcileDeps {
  records: Map<string, WorkspaceRecord>;
  runtimes: EngineRuntimes;
  /** The engine a record lives on. */
  engineOf(record: WorkspaceRecord): string;
  logs: BuildLogStore;
  log: (message: string) => void;
  /** Announces and saves a changed record. */
  changed(record: WorkspaceRecord): Promise<void>;
  save(): Promise<void>;
}

/**
 * Brings the records of one engine back to what that engine shows, and
 * adopts from it what the state file lost. Each engine is reconciled on its
 * own: the records of other engines are never looked at, so an engine that is
 * away changes nothing of the others.
 */
export class EngineReconcile {
  constructor(private readonly deps: ReconcileDeps) {}

  /** Every record on `engine`; interrupted builds are marked and their leftovers removed. */
  async engine(engine: string): Promise<void> {
    const { lifecycle } = this.deps.runtimes.require(engine);
    const building = new Set([...this.deps.records.keys()].filter((name) => this.deps.runtimes.isBuilding(name)));
    for (const leftover of await lifecycle.removeInterruptedBuildContainers(building)) this.deps.log(`removed ${leftover}, left by an interrupted build`);
    const here = [...this.deps.records.values()].filter((record) => this.deps.engineOf(record) === engine);
    // Running containers the records already know need no inspect: only adoption and stopped ones do.
    const known = (name: string, containerId: string): boolean => this.deps.records.get(name)?.containerId === containerId;
    const observed = new Map((await lifecycle.list(known)).map((observation) => [observation.name, observation]));
    for (const record of here) await this.apply(record, observed.get(record.name));
  }

  /** One workspace, after a Docker event or a failed operation; nothing while its engine is away or it builds. */
  async one(record: WorkspaceRecord): Promise<void> {
    const runtime = this.deps.runtimes.get(this.deps.engineOf(record));
    if (!runtime?.reachable || this.deps.runtimes.isBuilding(record.name)) return;
    await this.apply(record, await runtime.lifecycle.inspect(record.name).catch(() => undefined));
  }

  /**
   * Adopts this backend's workspaces that `engine` has and the state file
   * lost (a corrupt or deleted state file), with their whole spec from their
   * labels; one that has only its home comes back `off`. Never another
   * backend's, and never a name already recorded (on this engine or another).
   */
  async adopt(engine: string, onEngine: (record: WorkspaceRecord) => void): Promise<string[]> {
    const { lifecycle } = this.deps.runtimes.require(engine);
    const adopted: string[] = [];
    for (const observation of await lifecycle.list()) {
      if (this.deps.records.has(observation.name)) continue;
      const found = adoptedRecord(observation);
      if (!found) {
        this.deps.log(
          `${observation.name}: its home volume has no spec label (made before labels), so it was not adopted; create the workspace again to use it`,
        );
        continue;
      }
      onEngine(found.record);
      this.deps.records.set(found.record.name, found.record);
      adopted.push(found.record.name);
      if (found.lost.length > 0) this.deps.log(`${found.record.name}: adopted without ${found.lost.join('; ')}`);
    }
    if (adopted.length > 0) await this.deps.save();
    return adopted;
  }

  private async apply(record: WorkspaceRecord, observation: WorkspaceObservation | undefined): Promise<void> {
    const before = JSON.stringify(record);
    const { interrupted } = applyObservation(record, observation, this.deps.runtimes.isBuilding(record.name));
    if (interrupted && record.lastBuild) {
      this.deps.log(`${record.name}: build ${record.lastBuild.buildId} interrupted: ${INTERRUPTED_MESSAGE}`);
      await this.deps.logs
        .markInterrupted(record.name, record.lastBuild.buildId, INTERRUPTED_MESSAGE)
        .catch((error: unknown) => this.deps.log(`could not mark the log of ${record.lastBuild?.buildId ?? ''} interrupted: ${errorMessage(error)}`));
    }
    if (JSON.stringify(record) !== before) await this.deps.changed(record);
  }
}
