import { StringDecoder } from 'node:string_decoder';
import { DrydockError } from '../../core/errors';
import { KILL_SCRIPT, POLL_SCRIPT } from './fileScripts';
import { checkPath, type WorkspaceFiles } from './workspaceFiles';

export interface FileChange {
  type: 'created' | 'changed' | 'deleted';
  path: string;
}

export interface WatchOptions {
  /** Seconds between two listings; with the diff's own time, changes show within about twice this. */
  intervalSeconds: number;
  /** The most entries one listing reads; beyond it, changes go unseen (said once, through onTruncated). */
  maxEntries: number;
}

export const DEFAULT_WATCH: WatchOptions = { intervalSeconds: 1, maxEntries: 10_000 };

export interface WatchListener {
  onChanges(changes: FileChange[]): void;
  /** The listing hit maxEntries: what lies past it is not watched. */
  onTruncated(limit: number): void;
  /** The watch ended on its own (the workspace stopped, or the script failed). */
  onEnd(error: DrydockError): void;
}

/**
 * Watches a path in a running workspace by bounded polling: one long-running
 * script per watch, as the workspace user, lists the watched tree (see
 * POLL_SCRIPT) once per interval, and the backend reports the difference
 * between two listings. Busybox-static images and most distribution images
 * have no inotify tool, so this is the one mechanism, and its cost is one
 * find + stat walk of at most maxEntries entries per interval per watch.
 */
export class FileWatches {
  constructor(
    private readonly files: WorkspaceFiles,
    private readonly options: WatchOptions = DEFAULT_WATCH,
  ) {}

  /** Starts watching; the answer stops it (and the script in the workspace). */
  async watch(workspace: string, path: string, recursive: boolean, listener: WatchListener): Promise<() => void> {
    const root = checkPath(path);
    const target = await this.files.target(workspace);
    const { intervalSeconds, maxEntries } = this.options;
    const script = await target.docker.containers.script(target.id, POLL_SCRIPT, [root, recursive ? '1' : '0', String(intervalSeconds), String(maxEntries)], {
      user: target.user,
    });
    let pid: string | undefined;
    let previous: Map<string, string> | undefined;
    let current = new Map<string, string>();
    let stopped = false;
    let toldTruncated = false;
    const decoder = new StringDecoder('utf8');
    let partial = '';
    const onLine = (line: string): void => {
      if (pid === undefined) {
        pid = line.trim();
        return;
      }
      if (line === '\0') {
        if (current.size >= maxEntries && !toldTruncated) {
          toldTruncated = true;
          listener.onTruncated(maxEntries);
        }
        if (previous) {
          const changes = diff(previous, current);
          if (changes.length > 0) listener.onChanges(changes);
        }
        previous = current;
        current = new Map();
        return;
      }
      // `<time>|<size>|<mode>|<path>`: the path is last, so a '|' in a name does no harm.
      const parts = line.split('|');
      if (parts.length < 4) return;
      current.set(parts.slice(3).join('|'), parts.slice(0, 3).join('|'));
    };
    script.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + decoder.write(chunk)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    void script.finished.then(({ stderr }) => {
      if (stopped) return;
      listener.onEnd(
        new DrydockError(
          'conflict',
          `watching ${root} in ${workspace} ended${stderr ? `: ${stderr.trim().slice(0, 200)}` : ''}; the workspace may have stopped.`,
        ),
      );
    });
    return () => {
      if (stopped) return;
      stopped = true;
      script.abort();
      // Hanging up does not end a process that only writes once a second: end it by its pid, as the same user.
      if (pid && /^\d+$/.test(pid)) {
        void target.docker.containers
          .script(target.id, KILL_SCRIPT, [pid], { user: target.user })
          .then((kill) => kill.finished)
          .catch(() => undefined);
      }
    };
  }
}

/** What changed between two listings (path -> time|size|mode). */
export function diff(before: Map<string, string>, after: Map<string, string>): FileChange[] {
  const changes: FileChange[] = [];
  for (const [path, signature] of after) {
    const old = before.get(path);
    if (old === undefined) changes.push({ type: 'created', path });
    else if (old !== signature) changes.push({ type: 'changed', path });
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push({ type: 'deleted', path });
  return changes;
}
