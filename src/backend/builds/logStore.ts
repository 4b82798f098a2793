/**
 * Where build logs live: <root>/<workspace>/<buildId>.log, newest kept, older
 * pruned. Build ids sort by time as plain strings, so listing needs no index.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DrydockError, invalid } from '../../core/errors';
import { WORKSPACE_NAME } from '../../core/names';

/** 20261128T201000Z-a1b2c3: UTC second, then random hex so builds in the same second differ. */
const BUILD_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;
const LOG_FILE = /^(\d{8}T\d{6}Z-[0-9a-f]{6})\.log$/;

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

  async read(workspace: string, buildId: string): Promise<string> {
    const file = this.fileFor(workspace, buildId);
    try {
      return await readFile(file, 'utf8');
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

  /** Removes all but the newest `keep` logs; returns the removed build ids. */
  async prune(workspace: string): Promise<string[]> {
    const stale = (await this.list(workspace)).slice(Math.max(0, this.keep));
    await Promise.all(stale.map((log) => rm(log.file, { force: true })));
    return stale.map((log) => log.buildId);
  }

  /** Ends the log of a build whose process died with it (crash or kill), so the file says what happened. */
  async markInterrupted(workspace: string, buildId: string, message: string): Promise<void> {
    await appendFile(this.fileFor(workspace, buildId), `${new Date().toISOString()} === build interrupted: ${message}\n`);
  }

  async removeAll(workspace: string): Promise<void> {
    await rm(join(this.root, validateWorkspace(workspace)), { recursive: true, force: true });
  }
}
