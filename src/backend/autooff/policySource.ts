import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { errorMessage } from '../../core/errors';
import { BUILT_IN_POLICY, parsePolicy, type Policy } from '../../core/policy';

export const DEFAULT_POLICY_PATH = '/etc/drydock/policy.json';

/**
 * The organization policy file, validated as a whole. An invalid file is
 * reported and the last valid policy stays in force (built-in defaults if
 * there never was one): never half-applied. Edits apply without a restart.
 */
export class PolicySource {
  private current: Policy = BUILT_IN_POLICY;
  private fromFile = false;
  private problem: string | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly onChange: (policy: Policy, problem: string | undefined) => void,
  ) {}

  get policy(): Policy {
    return this.current;
  }

  /** Where the policy in force came from: the file, or built-in defaults (no file, or never a valid one). */
  get source(): 'file' | 'built-in' {
    return this.fromFile ? 'file' : 'built-in';
  }

  /** The current file's problem when it is invalid (the last valid policy stays in force). */
  get error(): string | undefined {
    return this.problem;
  }

  async start(): Promise<void> {
    await this.reload();
    // Watch the folder, not the file: editors replace files by rename, and the file may not exist yet.
    try {
      this.watcher = watch(dirname(this.path), (_event, name) => {
        if (name !== null && name !== basename(this.path)) return;
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.reload(), 100);
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // No folder to watch (no policy installed): the built-in policy applies until a restart.
    }
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
  }

  async reload(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        // No file: no organization limits.
        this.set(BUILT_IN_POLICY, false, undefined);
        return;
      }
      this.set(
        this.current,
        this.fromFile,
        `${this.path}: cannot be read (${errorMessage(error)}); ${this.fromFile ? 'the last valid policy stays in force' : 'built-in defaults apply'}.`,
      );
      return;
    }
    try {
      this.set(parsePolicy(JSON.parse(text) as unknown, this.path), true, undefined);
    } catch (error) {
      const keep = this.fromFile ? 'the last valid policy stays in force' : 'built-in defaults apply';
      const detail = error instanceof SyntaxError ? `${this.path}: is not valid JSON (${error.message})` : errorMessage(error);
      this.set(this.current, this.fromFile, `${detail}\n(${keep} until the file is fixed)`);
    }
  }

  private set(policy: Policy, fromFile: boolean, problem: string | undefined): void {
    const changed = JSON.stringify([policy, fromFile, problem]) !== JSON.stringify([this.current, this.fromFile, this.problem]);
    this.current = policy;
    this.fromFile = fromFile;
    this.problem = problem;
    if (changed) this.onChange(policy, problem);
  }
}
