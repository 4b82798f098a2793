/**
 * The rebuild safety list, as rules: what changed outside home since the end
 * of the last build (its baseline), not since the image. The hooks' own
 * writes (configure's `/tmp/configured`) are in the baseline, so they are not
 * listed; a rebuild puts them back anyway. Pure: the caller reads Docker's
 * container changes and stats the paths.
 */
export type ChangeKind = 'changed' | 'added' | 'deleted';

/** What a path looked like: enough to tell that it was written, replaced or chmodded since. */
export interface PathStat {
  directory: boolean;
  sizeBytes: number;
  /** `mtime:ctime:inode`, seconds. */
  signature: string;
}

/** One entry of the baseline: Docker's change and, for what exists, its stat then. */
export type BaselineEntry = [path: string, kind: ChangeKind, stat?: PathStat];

export interface ChangeBaseline {
  containerId: string;
  takenAt: string;
  entries: BaselineEntry[];
  /** False when the build changed more paths than a baseline keeps: the rest are listed as the user's. */
  complete: boolean;
}

/** A baseline keeps at most this many paths (a configure that installs a toolchain changes thousands). */
export const BASELINE_MAX_ENTRIES = 50_000;
/** The safety list names this many, largest first; the rest are counted. */
export const SAFETY_LIST_LIMIT = 15;

export interface SafetyEntry {
  path: string;
  kind: ChangeKind;
  sizeBytes?: number;
}

export interface SafetyList {
  changes: SafetyEntry[];
  /** How many more changes there are beyond `changes`. */
  more: number;
}

/** The paths whose stat the comparison needs: everything that exists now among the changes and the baseline. */
export function pathsToStat(now: readonly { path: string; kind: ChangeKind }[], baseline: ChangeBaseline | undefined): string[] {
  const paths = new Set<string>();
  for (const change of now) if (change.kind !== 'deleted') paths.add(change.path);
  for (const [path, kind] of baseline?.entries ?? []) if (kind === 'changed' || kind === 'deleted') paths.add(path);
  return [...paths];
}

/**
 * What changed after the baseline. A path in both with the same kind and the
 * same stat is the build's own; one gone from the changes since was undone
 * by the user (an added file deleted: `deleted`). Folders are listed only when
 * added empty or deleted: a folder "changed" is its entries, listed themselves.
 * Without a baseline (a container from before baselines) every change is listed.
 */
export function changesSinceBaseline(
  now: readonly { path: string; kind: ChangeKind }[],
  baseline: ChangeBaseline | undefined,
  stats: ReadonlyMap<string, PathStat>,
): SafetyEntry[] {
  const before = new Map((baseline?.entries ?? []).map(([path, kind, stat]) => [path, { kind, stat }]));
  const listed: SafetyEntry[] = [];
  const seen = new Set<string>();
  const add = (path: string, kind: ChangeKind, stat: PathStat | undefined): void => {
    listed.push({ path, kind, ...(stat && !stat.directory ? { sizeBytes: stat.sizeBytes } : {}) });
  };
  for (const { path, kind } of now) {
    seen.add(path);
    const stat = stats.get(path);
    const then = before.get(path);
    if (then && then.kind === kind) {
      if (kind === 'deleted') continue;
      // Neither stat known (an image without `stat`): nothing says it changed, so it stays the build's.
      if (stat === undefined && then.stat === undefined) continue;
      if (stat && then.stat && sameStat(stat, then.stat)) continue;
      if (stat?.directory && then.stat?.directory) continue;
    }
    if (stat?.directory && kind === 'changed') continue;
    // A file the build added and the user then rewrote is a change to the user, not an addition.
    add(path, then?.kind === 'added' && kind === 'added' ? 'changed' : kind, stat);
  }
  for (const [path, then] of before) {
    if (seen.has(path)) continue;
    // Gone from Docker's changes since the build: the user undid what the build did.
    const undone: ChangeKind = then.kind === 'added' ? 'deleted' : then.kind === 'deleted' ? 'added' : 'changed';
    if (then.stat?.directory && undone === 'changed') continue;
    listed.push({ path, kind: undone, ...(undone === 'deleted' ? sizeOf(then.stat) : sizeOf(stats.get(path))) });
  }
  // An added folder is named only when nothing under it is: its entries say more.
  return listed.filter((entry) => {
    if (entry.kind !== 'added' || entry.sizeBytes !== undefined || !stats.get(entry.path)?.directory) return true;
    return !listed.some((other) => other.path.startsWith(`${entry.path}/`));
  });
}

/** Largest first (sizes unknown last), then by path; the first `limit` named, the rest counted. */
export function safetyList(entries: readonly SafetyEntry[], limit = SAFETY_LIST_LIMIT): SafetyList {
  const sorted = [...entries].sort((a, b) => (b.sizeBytes ?? -1) - (a.sizeBytes ?? -1) || a.path.localeCompare(b.path));
  return { changes: sorted.slice(0, limit), more: Math.max(0, sorted.length - limit) };
}

function sameStat(a: PathStat, b: PathStat): boolean {
  return a.directory === b.directory && a.sizeBytes === b.sizeBytes && a.signature === b.signature;
}

function sizeOf(stat: PathStat | undefined): { sizeBytes?: number } {
  return stat && !stat.directory ? { sizeBytes: stat.sizeBytes } : {};
}
