/**
 * Where build logs live: <root>/<workspace>/<buildId>.log, newest kept, older
 * pruned. Build ids sort by time as plain strings, so listing needs no index.
 * Logs hold what hooks print: files are 0600, folders 0700.
 *
 * A log whose file could not be fully written (a full disk) has a marker,
 * <buildId>.log.incomplete, holding the reason, and this store remembers it
 * too (the marker itself may not fit on the disk): reading the log says so.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ChangeBaseline } from '../../core/changeBaseline';
import { DrydockError, invalid } from '../../core/errors';
import { WORKSPACE_NAME } from '../../core/names';
import { writeFileAtomic } from '../../files/atomicFile';

/** 20261128T201000Z-a1b2c3: UTC second, then random hex so builds in the same second differ. */
const BUILD_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;
const LOG_FILE = /^(\d{8}T\d{6}Z-[0-9a-f]{6})\.log$/;
const INCOMPLETE = '.incomplete';
const BASELINE_FILE = 'baseline.json';

export type BuildLogInfo = { buildId: string; file: string; sizeBytes: number; modifiedAt: string };

export function validateBuildId(buildId: string): string {
  if (!BUILD_ID.test(buildId))
    throw invalid('buildId', `"${buildId}" is not a build id; build ids look like 20261128T201000Z-a1b2c3 (list them with \`drydock logs NAME\`).`);
  return buildId;
}

function validateWorkspace(workspace: string): string {
  // The name becomes a directory: the same rule as workspace names keeps it inside root.
  if (!WORKSPACE_NAME.test(workspace)) throw invalid('workspace', `"${workspace}" is not a workspace name; use lowercase letters, digits and dashes.`);
  return workspace;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

export class BuildLogStore {
  /** Why a log file is incomplete, by file: known even when the marker could not be written. */
  private readonly incomplete = new Map<string, string>();

  constructor(
    readonly root: string,
    readonly keep = 20,
  ) {}

  newBuildId(clock: () => Date = () => new Date()): string {
    const stamp = clock()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    return `${stamp}-${randomBytes(3).toString('hex')}`;
  }

  fileFor(workspace: string, buildId: string): string {
    return join(this.root, validateWorkspace(workspace), `${validateBuildId(buildId)}.log`);
  }

  /**
   * The file for a new build's log, with its folders made 0700 (and made so
   * again if an older version left them 0755). Failures are left to the log
   * file, which reports them.
   */
  newFile(workspace: string, buildId: string): string {
    const file = this.fileFor(workspace, buildId);
    for (const dir of [this.root, dirname(file)]) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chmodSync(dir, 0o700);
      } catch {
        /* reported by the log file when it cannot be opened */
      }
    }
    return file;
  }

  /** Newest first: by the id's timestamp, then by last write for builds started in the same second. */
  async list(workspace: string): Promise<BuildLogInfo[]> {
    const dir = join(this.root, validateWorkspace(workspace));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const found = await Promise.all(
      names.map(async (name) => {
        const buildId = LOG_FILE.exec(name)?.[1];
        if (buildId === undefined) return undefined;
        const file = join(dir, name);
        try {
          const info = await stat(file);
          return info.isFile() ? { buildId, file, sizeBytes: info.size, modifiedAt: info.mtime.toISOString(), mtimeMs: info.mtimeMs } : undefined;
        } catch (error) {
          if (isMissing(error)) return undefined; // pruned meanwhile
          throw error;
        }
      }),
    );
    return found
      .filter((log) => log !== undefined)
      .sort((a, b) => b.buildId.slice(0, 16).localeCompare(a.buildId.slice(0, 16)) || b.mtimeMs - a.mtimeMs || b.buildId.localeCompare(a.buildId))
      .map(({ buildId, file, sizeBytes, modifiedAt }) => ({ buildId, file, sizeBytes, modifiedAt }));
  }

  /** The log's text; one whose file could not be fully written ends with a line saying so and why. */
  async read(workspace: string, buildId: string): Promise<string> {
    const file = this.fileFor(workspace, buildId);
    try {
      const text = await readFile(file, 'utf8');
      const reason = await this.incompleteReason(file);
      if (reason === undefined) return text;
      const note =
        `=== log incomplete: the backend could not write this log file (${reason}), so lines are missing from where writing failed. ` +
        `The build's result is in \`drydock status ${workspace}\`; free disk space where the logs are kept (${dirname(file)}) and rebuild for a whole log.`;
      return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${note}\n`;
    } catch (error) {
      if (!isMissing(error)) throw error;
      const recent = (await this.list(workspace)).slice(0, 5).map((log) => log.buildId);
      const known = recent.length > 0 ? `recent builds: ${recent.join(', ')}` : `workspace ${workspace} has no build logs yet`;
      throw new DrydockError(
        'not_found',
        `build ${buildId} of workspace ${workspace} has no log (${known}); list its builds with \`drydock logs ${workspace}\`.`,
      );
    }
  }

  /**
   * Records that a build's log file could not be fully written, and why, so
   * that reading the log says so. The marker file keeps it across restarts
   * when it fits on the disk; an empty marker still marks the log.
   */
  async markIncomplete(workspace: string, buildId: string, reason: string): Promise<void> {
    const file = this.fileFor(workspace, buildId);
    this.incomplete.set(file, reason);
    await writeFile(`${file}${INCOMPLETE}`, `${reason}\n`, { mode: 0o600 }).catch(() => undefined);
  }

  /** Removes all but the newest `keep` logs; returns the removed build ids. */
  async prune(workspace: string): Promise<string[]> {
    const stale = (await this.list(workspace)).slice(Math.max(0, this.keep));
    await Promise.all(
      stale.flatMap((log) => {
        this.incomplete.delete(log.file);
        return [rm(log.file, { force: true }), rm(`${log.file}${INCOMPLETE}`, { force: true })];
      }),
    );
    return stale.map((log) => log.buildId);
  }

  /** Ends the log of a build whose process died with it (crash or kill), so the file says what happened. */
  async markInterrupted(workspace: string, buildId: string, message: string): Promise<void> {
    await appendFile(this.fileFor(workspace, buildId), `${new Date().toISOString()} === build interrupted: ${message}\n`, { mode: 0o600 });
  }

  /**
   * The container's changes at the end of the workspace's last build (see
   * core/changeBaseline.ts), beside its logs: one file, replaced atomically,
   * bounded by BASELINE_MAX_ENTRIES.
   */
  async saveBaseline(workspace: string, baseline: ChangeBaseline): Promise<void> {
    const dir = join(this.root, validateWorkspace(workspace));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(dir, BASELINE_FILE), JSON.stringify(baseline), 0o600);
  }

  /** The last build's baseline; undefined when there is none or it cannot be read (then every change is listed). */
  async loadBaseline(workspace: string): Promise<ChangeBaseline | undefined> {
    try {
      const data = JSON.parse(await readFile(join(this.root, validateWorkspace(workspace), BASELINE_FILE), 'utf8')) as ChangeBaseline;
      return typeof data.containerId === 'string' && Array.isArray(data.entries) ? data : undefined;
    } catch {
      return undefined;
    }
  }

  async removeAll(workspace: string): Promise<void> {
    const dir = join(this.root, validateWorkspace(workspace));
    for (const file of this.incomplete.keys()) if (dirname(file) === dir) this.incomplete.delete(file);
    await rm(dir, { recursive: true, force: true });
  }

  private async incompleteReason(file: string): Promise<string | undefined> {
    const known = this.incomplete.get(file);
    if (known !== undefined) return known;
    try {
      return (await readFile(`${file}${INCOMPLETE}`, 'utf8')).trim() || 'the reason could not be saved either: the disk was probably full';
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }
}
