import { formatApproxMemory } from './memory';

/** What a person needs to see of an engine at a glance (the tree's engine node, the create pick). */
export interface EngineGlance {
  reachable: boolean;
  error?: string;
  workspaces: number;
  memoryCommittedBytes: number;
  memoryBytes?: number;
}

/** "2 workspaces · 3.1 GB of 8 GB", or why it cannot be reached. */
export function engineSummary(engine: EngineGlance): string {
  if (!engine.reachable) return `unreachable${engine.error ? `: ${engine.error}` : ''}`;
  const count = `${engine.workspaces} workspace${engine.workspaces === 1 ? '' : 's'}`;
  if (!engine.memoryBytes) return count;
  return `${count} · ${formatApproxMemory(engine.memoryCommittedBytes)} of ${formatApproxMemory(engine.memoryBytes)}`;
}
