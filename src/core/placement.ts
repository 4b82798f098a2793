/** An engine as placement sees it: its memory, and what its workspaces' limits already take. */
export interface PlacementCandidate {
  name: string;
  memoryBytes: number;
  committedBytes: number;
}

/**
 * `create --engine auto`: the engine with the most memory free after its
 * workspaces' memory limits. A tie goes to the preferred (default) engine,
 * then to the first name, so the choice is the same every time.
 */
export function placeByFreeMemory(candidates: readonly PlacementCandidate[], preferred: string): string | undefined {
  const free = (candidate: PlacementCandidate): number => candidate.memoryBytes - candidate.committedBytes;
  return [...candidates].sort((a, b) => free(b) - free(a) || Number(b.name === preferred) - Number(a.name === preferred) || a.name.localeCompare(b.name))[0]
    ?.name;
}
