/**
 * A versioned JSON state file. Docker is the truth for what exists, so a file
 * that cannot be read is not fatal: it is moved aside (kept for a bug report)
 * and the caller starts empty and rebuilds from the containers it finds.
 * A file from a newer Drydock is moved aside too, rather than overwritten
 * with a downgraded shape the newer version would then misread.
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DrydockError, errorMessage } from '../../core/errors';
import { writeFileAtomic } from '../../files/atomicFile';

export interface StateFileOptions<T> {
  file: string;
  schemaVersion: number;
  empty: () => T;
  /** Returns the state or throws on bad data. Gets the file's schemaVersion (never newer than ours) to allow migrations. */
  validate: (data: unknown, schemaVersion: number) => T;
  log?: (message: string) => void;
}

export type LoadResult<T> = { state: T; recovered?: { reason: string; movedTo?: string } };

interface Envelope {
  schemaVersion: number;
  savedAt: string;
  state: unknown;
}

type Parsed = { ok: true; envelope: Envelope } | { ok: false; reason: string; suffix: 'corrupt' | 'newer' };

export class StateFile<T> {
  constructor(private readonly options: StateFileOptions<T>) {}

  async load(): Promise<LoadResult<T>> {
    const { file, empty } = this.options;
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: empty() };
      // Unreadable (permissions, a folder in its place) is not corruption: moving it would not help.
      throw new DrydockError('internal', `cannot read the state file ${file}: ${errorMessage(error)}; check its owner and permissions.`);
    }
    const parsed = this.parse(raw);
    if (parsed.ok) {
      try {
        return { state: this.options.validate(parsed.envelope.state, parsed.envelope.schemaVersion) };
      } catch (error) {
        return this.recover(`its content is invalid: ${errorMessage(error)}`, 'corrupt');
      }
    }
    return this.recover(parsed.reason, parsed.suffix);
  }

  async save(state: T): Promise<void> {
    const { file, schemaVersion } = this.options;
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const envelope: Envelope = { schemaVersion, savedAt: new Date().toISOString(), state };
    await writeFileAtomic(file, `${JSON.stringify(envelope, null, 2)}\n`, 0o600);
  }

  private parse(raw: string): Parsed {
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (error) {
      return { ok: false, reason: `it is not valid JSON (${errorMessage(error)})`, suffix: 'corrupt' };
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, reason: 'it is not a JSON object', suffix: 'corrupt' };
    const { schemaVersion, savedAt, state } = data as Partial<Envelope>;
    if (typeof schemaVersion !== 'number' || !Number.isInteger(schemaVersion) || schemaVersion < 1 || !('state' in data)) {
      return { ok: false, reason: 'it lacks a valid schemaVersion or state', suffix: 'corrupt' };
    }
    if (schemaVersion > this.options.schemaVersion) {
      return {
        ok: false,
        reason: `it was written by a newer Drydock (schema ${schemaVersion}; this one understands up to ${this.options.schemaVersion})`,
        suffix: 'newer',
      };
    }
    return { ok: true, envelope: { schemaVersion, savedAt: typeof savedAt === 'string' ? savedAt : '', state } };
  }

  private async recover(reason: string, suffix: 'corrupt' | 'newer'): Promise<LoadResult<T>> {
    const { file, log, empty } = this.options;
    // Colons are not allowed in Windows file names.
    const movedTo = `${file}.${suffix}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(file, movedTo);
      log?.(`state file ${file} was not loaded: ${reason}; moved it to ${movedTo} and starting empty (state is rebuilt from Docker).`);
      return { state: empty(), recovered: { reason, movedTo } };
    } catch (error) {
      log?.(`state file ${file} was not loaded: ${reason}; could not move it aside (${errorMessage(error)}), starting empty (state is rebuilt from Docker).`);
      return { state: empty(), recovered: { reason } };
    }
  }
}
