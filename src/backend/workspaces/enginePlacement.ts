import { DrydockError } from '../../core/errors';
import { AUTO_ENGINE, LOCAL_ENGINE } from '../../core/names';
import { placeByFreeMemory } from '../../core/placement';
import type { EngineRuntimes } from './engineRuntimes';
import type { WorkspaceRecords } from './workspaceRecords';

/** The engines the backend knows by name (see engines.ts), as the service needs them. */
export interface EngineDirectory {
  defaultName(): string;
  has(name: string): boolean;
}

/** What an engine holds of this backend's: its workspaces, and the memory the limits of those not off take. */
export interface EngineLoad {
  workspaces: string[];
  committedBytes: number;
}

export function engineLoad(records: WorkspaceRecords, engine: string): EngineLoad {
  const here = records.on(engine);
  const committedBytes = here.filter((record) => record.state !== 'off').reduce((sum, record) => sum + (records.specOf(record)?.memoryBytes ?? 0), 0);
  return { workspaces: here.map((record) => record.name).sort((a, b) => a.localeCompare(b)), committedBytes };
}

/**
 * Where a new workspace goes: the engine named, the default one (none
 * named), or for `auto` the reachable engine with the most memory free after
 * its workspaces' limits. Whether it answers is checked by the caller.
 */
export function chooseEngine(
  requested: string | undefined,
  records: WorkspaceRecords,
  runtimes: EngineRuntimes,
  directory: EngineDirectory | undefined,
): string {
  const defaultEngine = directory?.defaultName() ?? LOCAL_ENGINE;
  if (requested === undefined || requested === '') return defaultEngine;
  if (requested === AUTO_ENGINE) {
    const candidates = runtimes
      .reachable()
      .map((runtime) => ({ name: runtime.name, memoryBytes: runtime.hostMemoryBytes, committedBytes: engineLoad(records, runtime.name).committedBytes }));
    const chosen = placeByFreeMemory(candidates, defaultEngine);
    if (!chosen) throw new DrydockError('docker_unreachable', 'no Docker engine answers, so none can be chosen; see `drydock engine ls`.', 'engine');
    return chosen;
  }
  const known = directory ? directory.has(requested) : requested === LOCAL_ENGINE;
  if (!known) throw new DrydockError('not_found', `no engine named "${requested}"; see them with \`drydock engine ls\`, or use --engine auto.`, 'engine');
  return requested;
}
