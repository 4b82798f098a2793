import { posix } from 'node:path';
import { DrydockError } from '../../core/errors';
import { INOTIFY_SCRIPT, KILL_SCRIPT, POLL_SCRIPT } from './fileScripts';
import { checkPath, type WorkspaceFiles } from './workspaceFiles';

export interface FileChange {
  type: 'created' | 'changed' | 'deleted';
  path: string;
}

export interface WatchOptions {
  /** Seconds between two listings when polling; with the diff's own time, changes show within about twice this. */
  intervalSeconds: number;
  /** The most entries one listing reads; beyond it, changes go unseen (said once, through onTruncated). */
  maxEntries: number;
  /** Use inotify where the image has inotifywait (false: always poll). */
  inotify: boolean;
}

export const DEFAULT_WATCH: WatchOptions = { intervalSeconds: 1, maxEntries: 10_000, inotify: true };

/** inotify events gathered this long are reported as one batch (a save is several events). */
const INOTIFY_BATCH_MS = 50;

export type WatchMechanism = 'inotify' | 'polling';

export interface WatchListener {
  /** Which way the path is watched (again after a fall-back from inotify to polling). */
  onWatching(mechanism: WatchMechanism): void;
  onChanges(changes: FileChange[]): void;
  /** The listing hit maxEntries: what lies past it is not watched. */
  onTruncated(limit: number): void;
  /** The watch ended on its own (the workspace stopped, or the script failed). */
  onEnd(error: DrydockError): void;
}

type Target = Awaited<ReturnType<WorkspaceFiles['target']>>;

/** A watch script running in the workspace: its header lines (pid, mechanism) first, then records. */
interface WatchScript {
  finished: Promise<{ stderr: string }>;
  stop(): void;
}

/**
 * Watches a path in a running workspace, as the workspace user. Where the
 * image has inotify-tools' inotifywait, one inotifywait per watch reports
 * changes as the kernel sees them (no cost while nothing changes; inotify
 * watches one per folder, and a tree too big for the user's inotify limit
 * falls back to polling). Elsewhere (busybox, most distribution images):
 * bounded polling, one script per watch that lists the watched tree (see
 * POLL_SCRIPT) once per interval, the backend reporting the difference
 * between two listings: one find + stat walk of at most maxEntries entries
 * per interval per watch.
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
    let stopped = false;
    let current: WatchScript | undefined;
    const ended = (stderr: string): void => {
      if (stopped) return;
      listener.onEnd(
        new DrydockError(
          'conflict',
          `watching ${root} in ${workspace} ended${stderr ? `: ${stderr.trim().slice(0, 200)}` : ''}; the workspace may have stopped.`,
        ),
      );
    };
    const poll = async (): Promise<void> => {
      current = await this.poll(target, root, recursive, listener);
      if (stopped) current.stop();
      else listener.onWatching('polling');
      void current.finished.then(({ stderr }) => ended(stderr));
    };
    let fellBack = false;
    // Held in a box: the fall-back can come (a record in the same chunk as the headers) before the script is handed over.
    const started: { inotify?: WatchScript } = {};
    // inotifywait ends on its own when the user's inotify limit is reached, and watches nothing once its folder is gone: polling takes over.
    const fallBack = (reason: string): void => {
      if (stopped || fellBack) return;
      fellBack = true;
      started.inotify?.stop();
      poll().catch((error: unknown) => ended(`${reason} ${error instanceof Error ? error.message : String(error)}`.trim()));
    };
    const inotify = this.options.inotify ? await this.inotify(target, root, recursive, listener, () => fallBack('')) : undefined;
    started.inotify = inotify;
    if (inotify && fellBack) inotify.stop();
    else if (inotify) {
      current = inotify;
      listener.onWatching('inotify');
      void inotify.finished.then(({ stderr }) => fallBack(stderr.trim()));
    } else await poll();
    return () => {
      if (stopped) return;
      stopped = true;
      current?.stop();
    };
  }

  /** An inotifywait watch, or undefined when the image has none. */
  private async inotify(target: Target, root: string, recursive: boolean, listener: WatchListener, onRootGone: () => void): Promise<WatchScript | undefined> {
    let batch: FileChange[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      const changes = batch;
      batch = [];
      if (changes.length > 0) listener.onChanges(changes);
    };
    const started = await startWatchScript(target, INOTIFY_SCRIPT, [root, recursive ? '1' : '0'], 0, (record) => {
      const change = inotifyChange(record);
      if (!change || batch.some((seen) => seen.path === change.path && seen.type === change.type)) return;
      batch.push(change);
      timer ??= setTimeout(flush, INOTIFY_BATCH_MS);
      if (change.type === 'deleted' && change.path === root) onRootGone();
    });
    if (started.mechanism === 'inotify') return started.script;
    await started.script.finished;
    return undefined;
  }

  private async poll(target: Target, root: string, recursive: boolean, listener: WatchListener): Promise<WatchScript> {
    const { intervalSeconds, maxEntries } = this.options;
    let previous: Map<string, string> | undefined;
    let current = new Map<string, string>();
    let toldTruncated = false;
    const started = await startWatchScript(target, POLL_SCRIPT, [root, recursive ? '1' : '0', String(intervalSeconds), String(maxEntries)], 10, (line) => {
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
    });
    return started.script;
  }
}

/**
 * Starts a watch script: it prints its pid on the first line (POLL_SCRIPT has
 * no second header line; INOTIFY_SCRIPT prints its mechanism), then records
 * ending in `separator` (10: newline, 0: NUL). Answers once the headers are in.
 */
async function startWatchScript(
  target: Target,
  script: string,
  args: string[],
  separator: 0 | 10,
  onRecord: (record: string) => void,
): Promise<{ mechanism: string | undefined; script: WatchScript }> {
  const running = await target.docker.containers.script(target.id, script, args, { user: target.user });
  const headers: string[] = [];
  const wanted = separator === 0 ? 2 : 1;
  let pending: Buffer = Buffer.alloc(0);
  let resolveHeaders: () => void = () => undefined;
  const headersIn = new Promise<void>((resolve) => (resolveHeaders = resolve));
  running.stdout.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const inHeaders = headers.length < wanted;
      const end = pending.indexOf(inHeaders ? 10 : separator);
      if (end < 0) return;
      const record = pending.subarray(0, end).toString('utf8');
      pending = pending.subarray(end + 1);
      if (inHeaders) {
        headers.push(record.trim());
        if (headers.length === wanted) resolveHeaders();
      } else onRecord(record);
    }
  });
  void running.finished.then(resolveHeaders);
  await headersIn;
  const pid = headers[0];
  let stopped = false;
  return {
    mechanism: headers[1],
    script: {
      finished: running.finished,
      stop: () => {
        if (stopped) return;
        stopped = true;
        running.abort();
        // Hanging up does not end a process that writes only now and then: end it by its pid, as the same user.
        if (pid && /^\d+$/.test(pid)) {
          void target.docker.containers
            .script(target.id, KILL_SCRIPT, [pid], { user: target.user })
            .then((kill) => kill.finished)
            .catch(() => undefined);
        }
      },
    },
  };
}

/** One inotifywait record, `<EVENT,EVENT>|<path>`, as a change (undefined for events that change nothing). */
export function inotifyChange(record: string): FileChange | undefined {
  const bar = record.indexOf('|');
  if (bar < 0) return undefined;
  const events = record.slice(0, bar).split(',');
  const raw = record.slice(bar + 1);
  if (!raw.startsWith('/')) return undefined;
  const path = posix.normalize(raw).replace(/(.)\/$/, '$1');
  if (events.some((event) => event === 'CREATE' || event === 'MOVED_TO')) return { type: 'created', path };
  if (events.some((event) => event === 'DELETE' || event === 'MOVED_FROM' || event === 'DELETE_SELF' || event === 'MOVE_SELF'))
    return { type: 'deleted', path };
  if (events.some((event) => event === 'MODIFY' || event === 'ATTRIB' || event === 'CLOSE_WRITE')) return { type: 'changed', path };
  return undefined;
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
