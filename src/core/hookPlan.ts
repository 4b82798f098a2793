import { posix } from 'node:path';

/**
 * The pure parts of the build hooks (docs/behaviour.md): what may be a
 * dotfiles source, where a secret may land, which install script runs.
 */

/** Run from ~/dotfiles, the first that exists wins (the order Coder and GitHub Codespaces use). */
export const INSTALL_SCRIPTS = ['install.sh', 'install', 'bootstrap.sh', 'bootstrap', 'script/bootstrap', 'setup.sh', 'setup', 'script/setup'] as const;

export function pickInstallScript(exists: (relativePath: string) => boolean): string | undefined {
  return INSTALL_SCRIPTS.find((script) => exists(script));
}

/** Top-level names a repository without an install script links into home. */
export function dotfilesToLink(topLevelNames: readonly string[]): string[] {
  return topLevelNames.filter((name) => name.startsWith('.') && name !== '.git' && name !== '.' && name !== '..').sort();
}

const URL_FORMS = [
  /^https?:\/\/[^\s/]+\/\S+$/,
  /^ssh:\/\/[^\s/]+\/\S+$/,
  /^git:\/\/[^\s/]+\/\S+$/,
  /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/, // git@host:path
  /^file:\/\/\/\S+$/,
  /^\/\S*$/, // a local path
];

/** A repository URL git cannot mistake for an option (`-u…`, `--upload-pack=…`) or a transport helper (`ext::`). */
export function checkDotfilesUrl(url: string): string | undefined {
  if (url.startsWith('-')) return 'starts with "-", which git would read as an option; give an https, ssh, git@host:path or local path URL.';
  if (/\s/.test(url) || url.includes('\0')) return 'contains white space; give the repository URL alone.';
  if (/^[a-z][a-z0-9+.-]*::/i.test(url))
    return 'uses a git transport helper ("::"), which can run commands; give an https, ssh, git@host:path or local path URL.';
  if (!URL_FORMS.some((form) => form.test(url)))
    return 'is not a repository URL; use https://host/owner/repo, ssh://host/path, git@host:owner/repo, file:///path or /local/path.';
  return undefined;
}

/** A branch name per git-check-ref-format, and never option-like. */
export function checkBranch(branch: string): string | undefined {
  if (branch.startsWith('-')) return 'starts with "-", which git would read as an option; give a branch name like "main".';
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || /(^|\/)\.|\.\.|\/\/|\/$|\.lock$|@\{/.test(branch))
    return 'is not a valid branch name; give one like "main" or "feature/x".';
  return undefined;
}

/**
 * A secret's target as a path relative to home, or an error: `~/x`, `x` and
 * `/home/<user>/x` are home; anything that leaves it (`..`, another absolute
 * path) is refused before a build starts.
 */
export function secretTargetInHome(target: string, user: string | undefined): { relative: string } | { error: string } {
  let path = target.trim();
  if (path.startsWith('~/')) path = path.slice(2);
  const home = user ? `/home/${user}/` : undefined;
  if (path.startsWith('/')) {
    if (home && path.startsWith(home)) path = path.slice(home.length);
    else return { error: `"${target}" is outside home; give a path under home such as ".config/tool/token" or "~/.netrc".` };
  }
  const relative = posix.normalize(path);
  if (relative === '..' || relative.startsWith('../')) {
    return { error: `"${target}" leaves home; give a path under home such as ".config/tool/token".` };
  }
  if (relative === '.' || relative === '' || relative.endsWith('/')) {
    return { error: `"${target}" does not name a file under home; give one such as ".config/tool/token".` };
  }
  return { relative };
}

/** The directories a relative path needs, outermost first: `a/b/c` -> [`a`, `a/b`]. */
export function parentDirectories(relative: string): string[] {
  const parts = relative.split('/').slice(0, -1);
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}

/** Every path a relative path passes through, outermost first, itself last: `a/b/c` -> [`a`, `a/b`, `a/b/c`]. */
export function pathComponents(relative: string): string[] {
  return [...parentDirectories(relative), relative];
}
