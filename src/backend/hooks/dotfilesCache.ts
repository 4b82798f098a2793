import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { DrydockError, errorMessage } from '../../core/errors';
import { checkBranch, checkDotfilesUrl } from '../../core/hookPlan';

/**
 * Dotfiles are cloned and updated on the host with simple-git: the image
 * needs no git, and the user's own credentials (agent, helpers) work. One
 * checkout per URL, updated in place on later builds.
 */
export class DotfilesCache {
  constructor(private readonly root: string) {}

  /** Clones or updates the repository; resolves with the checkout folder and its commit. */
  async sync(url: string, branch: string | undefined, timeoutMs: number): Promise<{ directory: string; commit: string; cloned: boolean }> {
    const urlProblem = checkDotfilesUrl(url);
    if (urlProblem) throw new DrydockError('invalid_input', `dotfiles.url: ${urlProblem}`, 'dotfiles.url');
    const branchProblem = branch === undefined ? undefined : checkBranch(branch);
    if (branchProblem) throw new DrydockError('invalid_input', `dotfiles.branch: ${branchProblem}`, 'dotfiles.branch');

    const directory = join(this.root, createHash('sha256').update(url).digest('hex').slice(0, 16));
    await mkdir(this.root, { recursive: true });
    const cloned = !existsSync(join(directory, '.git'));
    try {
      if (!cloned) {
        const repo = await git(directory, timeoutMs);
        await repo.fetch(['--prune', '--', 'origin', branch ?? 'HEAD']);
        await repo.reset(['--hard', 'FETCH_HEAD']);
        await repo.clean('f', ['-d', '-x']);
      } else {
        // Clone next to the final place and rename, so a failed clone leaves no half checkout.
        const partial = `${directory}.partial`;
        await rm(partial, { recursive: true, force: true });
        await (await git(this.root, timeoutMs)).clone(url, partial, [...(branch ? ['--branch', branch] : []), '--single-branch']);
        await rm(directory, { recursive: true, force: true });
        await rename(partial, directory);
      }
    } catch (error) {
      throw new DrydockError(
        'hook_failed',
        `dotfiles: git could not ${cloned ? 'clone' : 'fetch'} ${url}${branch ? ` (branch ${branch})` : ''}: ${gitMessage(error)}`,
      );
    }
    const commit = (await (await git(directory, timeoutMs)).revparse(['HEAD'])).trim();
    return { directory, commit, cloned };
  }
}

/** Programs git starts only in interactive use; a clone or fetch needs none, so they are left out. */
const INTERACTIVE_ONLY = new Set(['EDITOR', 'VISUAL', 'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'PAGER', 'GIT_PAGER']);

/**
 * simple-git refuses environment variables that can run programs (askpass,
 * credential helpers, ssh command, config from env) unless allowed. Here the
 * environment is the user's own (the backend runs as them), and those are how
 * their credentials work, so they are allowed; the untrusted inputs, URL and
 * branch, are checked and passed after `--`. simple-git is loaded on first
 * use: it costs the backend ~5 MB of memory, and most backends never clone dotfiles.
 */
async function git(baseDir: string, timeoutMs: number): Promise<SimpleGit> {
  const { simpleGit } = await import('simple-git');
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !INTERACTIVE_ONLY.has(name)));
  return simpleGit({
    baseDir,
    timeout: { block: timeoutMs },
    unsafe: {
      allowUnsafeSshCommand: true,
      allowUnsafeAskPass: true,
      allowUnsafeCredentialHelper: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeConfigEnvCount: true,
    },
  }).env({
    ...env,
    // Never wait for a password prompt nobody will see.
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
  });
}

function gitMessage(error: unknown): string {
  return errorMessage(error)
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-3)
    .join(' / ');
}
