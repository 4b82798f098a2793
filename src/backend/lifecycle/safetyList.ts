import {
  BASELINE_MAX_ENTRIES,
  changesSinceBaseline,
  pathsToStat,
  safetyList,
  type BaselineEntry,
  type ChangeBaseline,
  type PathStat,
  type SafetyList,
} from '../../core/changeBaseline';
import { INSIDE_CONTROL_DIR, insideCommandPath } from '../../core/insideCommand';
import type { DockerAdapter, FileChange } from '../../docker/adapter';

/** Where a workspace's baseline is kept between the build and the next rebuild (the build log store). */
export interface BaselineStore {
  saveBaseline(workspace: string, baseline: ChangeBaseline): Promise<void>;
  loadBaseline(workspace: string): Promise<ChangeBaseline | undefined>;
}

/** Docker's own init binary, mounted into every container with `Init: true`: not the user's change. */
const DOCKER_INIT_PATH = '/sbin/docker-init';
/** Paths per stat exec: well inside the kernel's argument limit. */
const STAT_BATCH = 2_000;

/**
 * Stats paths as root without following a symbolic link anywhere on the way:
 * a path with a link among its folders is skipped (a link there could lead
 * into home, which is the user's and hostile), and `stat` without -L reads a
 * final link itself. One `stat` process for the whole batch; it only reads
 * metadata. Paths whose names hold a newline are not asked about (the output
 * is one line per path).
 */
const STAT_SCRIPT = `n=$#
for p do
  rest=\${p#/}; dir=; ok=1
  while :; do
    case $rest in */*) part=\${rest%%/*}; rest=\${rest#*/} ;; *) break ;; esac
    dir=$dir/$part
    if [ -L "$dir" ]; then ok=; break; fi
  done
  if [ -n "$ok" ]; then set -- "$@" "$p"; fi
done
shift $n
[ $# -gt 0 ] || exit 0
exec stat -c '%f %s %Y %Z %i %n' -- "$@" 2>/dev/null`;

/**
 * Docker's changes of the container that a rebuild would discard: not home,
 * home's parent folders (changed only because home is mounted there), nor
 * what every build puts back itself (Docker's init, Drydock's control folder
 * and `drydock` command).
 */
export async function discardableChanges(docker: DockerAdapter, containerId: string, home: string, path: string | undefined): Promise<FileChange[]> {
  const changes = await docker.containers.changes(containerId);
  const kept = [home, DOCKER_INIT_PATH, INSIDE_CONTROL_DIR, insideCommandPath(path)];
  return changes.filter((change) => !kept.some((each) => isPathOrAncestor(change.path, each)));
}

/** The container's changes at the end of a build, with their stats: what the next safety list compares with. */
export async function takeBaseline(docker: DockerAdapter, containerId: string, home: string, path: string | undefined): Promise<ChangeBaseline> {
  const changes = await discardableChanges(docker, containerId, home, path);
  const kept = changes.slice(0, BASELINE_MAX_ENTRIES);
  const stats = await statPaths(docker, containerId, pathsToStat(kept, undefined));
  const entries: BaselineEntry[] = kept.map(({ path: each, kind }) => {
    const stat = stats.get(each);
    return stat ? [each, kind, stat] : [each, kind];
  });
  return { containerId, takenAt: new Date().toISOString(), entries, complete: kept.length === changes.length };
}

/** What a rebuild would discard now: the changes since the baseline (all changes when there is none for this container). */
export async function safetyListOf(
  docker: DockerAdapter,
  containerId: string,
  home: string,
  path: string | undefined,
  stored: ChangeBaseline | undefined,
): Promise<SafetyList> {
  const baseline = stored?.containerId === containerId ? stored : undefined;
  const now = await discardableChanges(docker, containerId, home, path);
  const stats = await statPaths(docker, containerId, pathsToStat(now, baseline));
  return safetyList(changesSinceBaseline(now, baseline, stats));
}

/** Stats as root, in batches of one exec each; a path that cannot be stat'ed (gone, a link on its way, no `stat` in the image) is left out. */
export async function statPaths(docker: DockerAdapter, containerId: string, paths: readonly string[]): Promise<Map<string, PathStat>> {
  const stats = new Map<string, PathStat>();
  const wanted = paths.filter((each) => !each.includes('\n'));
  for (let start = 0; start < wanted.length; start += STAT_BATCH) {
    const script = await docker.containers.script(containerId, STAT_SCRIPT, wanted.slice(start, start + STAT_BATCH), { user: '0:0' });
    const chunks: Buffer[] = [];
    for await (const chunk of script.stdout) chunks.push(chunk as Buffer);
    await script.finished;
    for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
      const match = /^([0-9a-f]+) (\d+) (\d+) (\d+) (\d+) (.*)$/.exec(line);
      if (!match) continue;
      const [, mode = '0', size = '0', mtime, ctime, inode, name = ''] = match;
      // The file type's bits of st_mode (hex): 0x4000 is a folder.
      const directory = (parseInt(mode, 16) & 0xf000) === 0x4000;
      stats.set(name, { directory, sizeBytes: Number(size), signature: `${mtime}:${ctime}:${inode}` });
    }
  }
  return stats;
}

/**
 * Home and what is under it survive a rebuild; its parents (and Docker's
 * init binary's) show as changed only because something is mounted there.
 */
function isPathOrAncestor(path: string, mounted: string): boolean {
  return path === mounted || path.startsWith(`${mounted}/`) || mounted.startsWith(`${path}/`);
}
