import { DrydockError, errorMessage } from '../../core/errors';
import { LOCAL_ENGINE } from '../../core/names';
import { parseWorkspaceSpec, type WorkspaceSpec } from '../../core/spec';
import { shownState, type WorkspaceState } from '../../core/state';
import type { CoalescedWriter } from '../state/coalescedWriter';
import type { BackendEvent } from './backendEvents';
import type { EngineRuntimes } from './engineRuntimes';
import type { EventBus } from './eventBus';
import type { WorkspaceRecord } from './records';

/** A workspace as the rest of the backend reads it: its record, its parsed spec, and the state to show. */
export interface WorkspaceSnapshot {
  record: Readonly<WorkspaceRecord>;
  /** Undefined when the stored spec no longer validates (it is shown as stored). */
  spec: WorkspaceSpec | undefined;
  state: WorkspaceState;
  /** The engine it lives on, and why that engine cannot be reached (then the state is `unknown`). */
  engine: string;
  engineError?: string;
}

/**
 * The workspace records as the state file keeps them: looked up by name,
 * parsed once per stored spec, announced and saved on every change.
 */
export class WorkspaceRecords {
  readonly map = new Map<string, WorkspaceRecord>();
  private readonly parsedSpecs = new WeakMap<object, WorkspaceSpec | undefined>();

  constructor(
    private readonly deps: { events: EventBus<BackendEvent>; writer: CoalescedWriter; log: (message: string) => void },
    private readonly runtimes: EngineRuntimes,
  ) {}

  names(): string[] {
    return [...this.map.keys()].sort((a, b) => a.localeCompare(b));
  }

  /** The record, or `not_found` naming the fix. */
  require(name: string): WorkspaceRecord {
    const record = this.map.get(name);
    if (!record) throw new DrydockError('not_found', `no workspace named "${name}"; list them with \`drydock ls\`.`, 'name');
    return record;
  }

  /** The engine a workspace lives on (records from before engines had names live on the local one). */
  engineOf(record: Readonly<WorkspaceRecord>): string {
    return record.engine ?? LOCAL_ENGINE;
  }

  on(engine: string): WorkspaceRecord[] {
    return [...this.map.values()].filter((record) => this.engineOf(record) === engine);
  }

  /** Keeps a spec parsed (a build that made it current). */
  parsed(input: object, spec: WorkspaceSpec): void {
    this.parsedSpecs.set(input, spec);
  }

  /** Parsed once per stored spec object (a change replaces the object), with its engine's limits, so listing stays cheap. */
  specOf(record: WorkspaceRecord): WorkspaceSpec | undefined {
    if (this.parsedSpecs.has(record.spec)) return this.parsedSpecs.get(record.spec);
    const runtime = this.runtimes.get(this.engineOf(record));
    let spec: WorkspaceSpec | undefined;
    try {
      spec = parseWorkspaceSpec(record.spec, { cpus: runtime?.hostCpus ?? Number.MAX_SAFE_INTEGER, memoryBytes: runtime?.hostMemoryBytes });
    } catch {
      spec = undefined;
    }
    this.parsedSpecs.set(record.spec, spec);
    return spec;
  }

  async changed(record: WorkspaceRecord, persistence: 'soon' | 'durable'): Promise<void> {
    if (this.map.has(record.name)) this.deps.events.emit({ type: 'workspace-changed', name: record.name });
    await this.save(persistence);
  }

  async save(persistence: 'soon' | 'durable'): Promise<void> {
    if (persistence === 'soon') return this.deps.writer.soon();
    try {
      await this.deps.writer.now();
    } catch (error) {
      this.deps.log(`could not save the state file: ${errorMessage(error)}`);
      this.deps.events.emit({ type: 'warning', message: `Drydock could not save its state: ${errorMessage(error)}` });
    }
  }

  snapshot(name: string): WorkspaceSnapshot {
    const record = this.require(name);
    const engine = this.engineOf(record);
    const engineError = this.runtimes.problem(engine);
    return {
      record,
      spec: this.specOf(record),
      state: shownState(record.state, engineError === undefined),
      engine,
      ...(engineError !== undefined ? { engineError } : {}),
    };
  }
}
