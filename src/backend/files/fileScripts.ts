import { DrydockError, type ErrorCode } from '../../core/errors';

/**
 * The shell scripts behind workspace files. They run as the workspace user
 * (never root), so the kernel, not this code, decides what may be read or
 * written, symlinks included. They use only POSIX sh and tools that busybox
 * and GNU coreutils both have (test, printf, stat -c, cat, mkdir, rmdir, rm,
 * mv, find, sleep), so nothing has to be installed in an image. Paths and
 * flags arrive as argv ($1, $2...), never spliced into the script.
 *
 * A refusal the script can name itself is one stderr line
 * `drydock-error:<code>` and exit 3; anything else is told by the tool's own
 * strerror text (glibc and musl word these alike), see `classify`.
 */
const FAIL = `fail() { printf 'drydock-error:%s\\n' "$1" >&2; exit 3; }
exists() { [ -e "$1" ] || [ -L "$1" ]; }
`;

/** Opens the file ($1) for reading as the script's fd 3, prints K, then its bytes: an error can still be answered before any content. */
const READ_BODY = `[ -d "$1" ] && fail is_directory
exec 3<"$1"
printf K
exec cat <&3
`;

/**
 * `<symlink 0|1> <writable 0|1> <held 0|1> <mode hex> <size> <mtime s>
 * <ctime s> <mtime with fraction>`, or `1 0 0 dangling`. With $2 = 1 and a
 * readable regular file, the script then waits for one line on stdin: `r`
 * reads the file (as READ_SCRIPT does), anything else ends it. VS Code reads
 * a file right after its stat, and that read then needs no exec of its own.
 */
export const STAT_SCRIPT = `${FAIL}p=$1
l=0; [ -L "$p" ] && l=1
if [ "$l" = 1 ] && ! [ -e "$p" ]; then printf '1 0 0 dangling\\n'; exit 0; fi
w=0; [ -w "$p" ] && w=1
h=0; [ "$2" = 1 ] && [ -f "$p" ] && [ -r "$p" ] && h=1
printf '%s %s %s ' "$l" "$w" "$h"
stat -L -c '%f %s %Y %Z %y' "$p" || exit 3
[ "$h" = 1 ] || exit 0
IFS= read -r go || exit 0
[ "$go" = r ] || exit 0
${READ_BODY}`;

/** One NUL-terminated record per entry: a type letter (f, d, l: symlink to a file, L: to a folder, x: dangling) then the name. */
export const LIST_SCRIPT = `${FAIL}exists "$1" || fail not_found
[ -d "$1" ] || fail not_directory
{ [ -r "$1" ] && [ -x "$1" ]; } || fail no_permission
cd "$1" || fail no_permission
for f in .* *; do
  case $f in .|..) continue ;; esac
  if [ -L "$f" ]; then
    if [ -d "$f" ]; then t=L; elif [ -e "$f" ]; then t=l; else t=x; fi
  elif [ -d "$f" ]; then t=d
  elif [ -e "$f" ]; then t=f
  else continue
  fi
  printf '%s%s\\0' "$t" "$f"
done
`;

/** Prints one byte (K) once the file is open for reading, then its bytes: an error can still be answered before any content. */
export const READ_SCRIPT = `${FAIL}exists "$1" || fail not_found
${READ_BODY}`;

/**
 * $1 path, $2 create (1/0), $3 overwrite (1/0). Prints K once the file is
 * open for writing, then copies stdin into it: the caller sends the content
 * only after the K, so a refused write consumes nothing.
 */
export const WRITE_SCRIPT = `${FAIL}p=$1
[ -d "$p" ] && fail is_directory
if exists "$p"; then
  [ "$3" = 1 ] || fail exists
else
  [ "$2" = 1 ] || fail not_found
  d=\${p%/*}; [ -n "$d" ] || d=/
  exists "$d" || fail not_found
  [ -d "$d" ] || fail not_directory
fi
exec 3>"$p"
printf K
exec cat >&3
`;

export const MKDIR_SCRIPT = `${FAIL}exists "$1" && fail exists
d=\${1%/*}; [ -n "$d" ] || d=/
exists "$d" || fail not_found
[ -d "$d" ] || fail not_directory
exec mkdir "$1"
`;

/** $1 path, $2 recursive (1/0). A symlink is removed itself, never what it points to. */
export const DELETE_SCRIPT = `${FAIL}exists "$1" || fail not_found
if [ -d "$1" ] && ! [ -L "$1" ]; then
  if [ "$2" = 1 ]; then exec rm -rf "$1"; fi
  exec rmdir "$1"
fi
exec rm -f "$1"
`;

/** $1 from, $2 to, $3 overwrite (1/0). An existing target folder is replaced, not moved into (mv's habit). */
export const RENAME_SCRIPT = `${FAIL}exists "$1" || fail not_found
d=\${2%/*}; [ -n "$d" ] || d=/
exists "$d" || fail not_found
[ -d "$d" ] || fail not_directory
if exists "$2"; then
  [ "$3" = 1 ] || fail exists
  if [ -d "$2" ] && ! [ -L "$2" ]; then rm -rf "$2" || exit 3; fi
fi
exec mv -f "$1" "$2"
`;

/**
 * Watches with inotify when the image has inotify-tools' inotifywait: it
 * prints its pid, the line `inotify`, then one `<EVENTS>|<path>` record per
 * change, NUL-terminated ($1 path, $2 = 1: the tree below it, skipping .git
 * and node_modules). Without inotifywait it prints `none` and ends.
 */
export const INOTIFY_SCRIPT = `echo "$$"
command -v inotifywait >/dev/null 2>&1 || { echo none; exit 0; }
echo inotify
r=; [ "$2" = 1 ] && r=-r
exec inotifywait -mq $r --no-newline --format '%e|%w%f%0' \\
  -e create -e delete -e modify -e attrib -e close_write -e moved_to -e moved_from -e delete_self -e move_self \\
  --exclude '/(\\.git|node_modules)(/|$)' "$1"
`;

/**
 * Bounded polling, for images without inotifywait: every $3 seconds one
 * listing of `<mtime>|<size>|<mode hex>|<path>` lines of the watched path
 * ($2 = 1: the tree below it, skipping .git and node_modules; else the path
 * and, for a folder, its entries), at most $4 lines, then a NUL line. It
 * prints its pid first, so the backend can end it.
 */
export const POLL_SCRIPT = `echo "$$"
while :; do
  if [ "$2" = 1 ]; then
    find "$1" \\( -name .git -o -name node_modules \\) -prune -o -exec stat -c '%y|%s|%f|%n' {} + 2>/dev/null | head -n "$4"
  else
    find "$1" -maxdepth 1 -exec stat -c '%y|%s|%f|%n' {} + 2>/dev/null | head -n "$4"
  fi
  printf '\\0\\n'
  sleep "$3"
done
`;

export const KILL_SCRIPT = 'kill "$1" 2>/dev/null; exit 0';

export type FileType = 'file' | 'directory' | 'other';

export interface FileInfo {
  type: FileType;
  symlink: boolean;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** Whether the workspace user may write it. */
  writable: boolean;
}

export interface DirectoryEntry {
  name: string;
  type: FileType;
  symlink: boolean;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

export function typeOfMode(mode: number): FileType {
  const format = mode & S_IFMT;
  return format === S_IFDIR ? 'directory' : format === S_IFREG ? 'file' : 'other';
}

/** STAT_SCRIPT's line; `held`: the script waits to be told whether to read the file. */
export function parseStat(output: string): FileInfo & { held: boolean } {
  const line = output.trim();
  if (/^1 0 0 dangling$/.test(line)) return { type: 'other', symlink: true, size: 0, mtimeMs: 0, ctimeMs: 0, writable: false, held: false };
  const match = /^([01]) ([01]) ([01]) ([0-9a-f]+) (\d+) (-?\d+) (-?\d+) (.*)$/.exec(line);
  if (!match) throw new DrydockError('internal', `could not read the file's details from stat: ${line.slice(0, 200)}`);
  const [, symlink, writable, held, mode, size, mtime, ctime, fullTime] = match;
  return {
    held: held === '1',
    type: typeOfMode(parseInt(mode ?? '0', 16)),
    symlink: symlink === '1',
    size: Number(size),
    mtimeMs: Number(mtime) * 1000 + fractionMs(fullTime ?? ''),
    ctimeMs: Number(ctime) * 1000,
    writable: writable === '1',
  };
}

/** The milliseconds of a `%y` time (`2026-11-29 02:56:46.214507999 +0000`): whole seconds alone would hide a second save in the same second. */
function fractionMs(time: string): number {
  const fraction = /:\d\d\.(\d+)/.exec(time)?.[1];
  return fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
}

const ENTRY_TYPES: Record<string, { type: FileType; symlink: boolean }> = {
  f: { type: 'file', symlink: false },
  d: { type: 'directory', symlink: false },
  l: { type: 'file', symlink: true },
  L: { type: 'directory', symlink: true },
  x: { type: 'other', symlink: true },
};

export function parseListing(output: Buffer): DirectoryEntry[] {
  const entries: DirectoryEntry[] = [];
  let start = 0;
  for (let end = output.indexOf(0, start); end >= 0; start = end + 1, end = output.indexOf(0, start)) {
    const record = output.subarray(start, end).toString('utf8');
    const kind = ENTRY_TYPES[record[0] ?? ''];
    if (kind && record.length > 1) entries.push({ name: record.slice(1), ...kind });
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const STRERROR: [RegExp, ErrorCode][] = [
  [/Permission denied|Operation not permitted|Read-only file system/i, 'no_permission'],
  [/No such file or directory/i, 'not_found'],
  [/File exists/i, 'exists'],
  [/Not a directory/i, 'not_directory'],
  [/Is a directory/i, 'is_directory'],
  [/Directory not empty/i, 'conflict'],
];

/** What a failed script means: its own `drydock-error:` line, else the tool's strerror text. */
export function classify(stderr: string): ErrorCode | undefined {
  const own = /drydock-error:(\w+)/.exec(stderr)?.[1];
  if (own) return own as ErrorCode;
  return STRERROR.find(([pattern]) => pattern.test(stderr))?.[1];
}

/** The sentence for a refused operation: what, where, why, and what to do. */
export function fileError(code: ErrorCode | undefined, what: string, path: string, user: string, stderr: string): DrydockError {
  switch (code) {
    case 'not_found':
      return new DrydockError('not_found', `${what} ${path}: no such file or folder in the workspace.`, 'path');
    case 'exists':
      return new DrydockError('exists', `${what} ${path}: it already exists; choose another name or allow overwriting.`, 'path');
    case 'no_permission':
      return new DrydockError(
        'no_permission',
        `${what} ${path}: the workspace user ${user} may not (permission denied); change its owner or mode inside the workspace.`,
        'path',
      );
    case 'not_directory':
      return new DrydockError('not_directory', `${what} ${path}: a part of the path is a file, not a folder.`, 'path');
    case 'is_directory':
      return new DrydockError('is_directory', `${what} ${path}: it is a folder, not a file.`, 'path');
    case 'conflict':
      return new DrydockError('conflict', `${what} ${path}: the folder is not empty; delete it recursively.`, 'path');
    default:
      return new DrydockError('internal', `${what} ${path} failed in the workspace: ${stderr.trim().slice(0, 500) || 'no reason given'}.`);
  }
}
