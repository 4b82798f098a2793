/**
 * The `drydock` command's entry (dist/cli.js): runs the CLI's bundle
 * (dist/cli-main.js) with V8's code cache for it. Compiling the bundle was
 * about a third of a command's own start here (some 5 ms before its first
 * request to the backend); with the cache V8 skips it. The cache is written
 * at the exit of a run that had none, or one V8 refused (another Node, other
 * flags), after the command ran, so the functions it used are in it too.
 * It holds code this process runs, so it is read and written only in a
 * folder of this user's that nobody else may write; anything wrong with it
 * costs the cache, never the command.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';

// The launcher lines (esbuild.mjs) started this Node without the user's NODE_EXTRA_CA_CERTS, for speed:
// it goes back into the environment here, so what the CLI starts (the backend, a keepalive's program) has it.
const carriedCaCerts = process.env.DRYDOCK_NODE_EXTRA_CA_CERTS;
if (carriedCaCerts !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = carriedCaCerts;
  delete process.env.DRYDOCK_NODE_EXTRA_CA_CERTS;
}

/** Builds (and Nodes) whose caches are kept: several installs may share the folder. */
const KEPT_BUILDS = 4;
const bundle = join(__dirname, 'cli-main.js');
const source = readFileSync(bundle, 'utf8');
const cacheFile = cachePath();
const cached = cacheFile === undefined ? undefined : readPrivate(cacheFile);
// The bundle as Node would load it: its module wrapper, with this file's require.
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  ...(cached ? { cachedData: cached } : {}),
});
// Only a command that succeeded leaves a cache: a mistyped command name must not leave a file per typo.
if (cacheFile !== undefined && (!cached || script.cachedDataRejected)) process.once('exit', (code) => code === 0 && save(cacheFile, script));
const main = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void)(main.exports, require, main, bundle, __dirname);

/**
 * One cache per bundle build (its size and time), Node and command: a cache
 * holds the functions its first run compiled, so `ls` and `rebuild` each
 * get theirs.
 */
function cachePath(): string | undefined {
  try {
    const built = statSync(bundle);
    const xdg = process.env.XDG_CACHE_HOME;
    const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
    const command = /^[a-z]{1,20}$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other';
    return join(base, 'drydock', `cli-${process.version}-${process.arch}-${built.size}-${Math.trunc(built.mtimeMs)}-${command}.cache`);
  } catch {
    return undefined;
  }
}

/** The file, if it and its folder are this user's and nobody else can write them. */
function readPrivate(file: string): Buffer | undefined {
  try {
    if (!ours(join(file, '..')) || !ours(file)) return undefined;
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function ours(path: string): boolean {
  const stat = statSync(path);
  const uid = process.getuid?.();
  return uid === undefined || (stat.uid === uid && (stat.mode & 0o022) === 0);
}

/** Written whole (a temporary file renamed), so a command started meanwhile never reads half a cache. */
function save(file: string, compiled: Script): void {
  try {
    const folder = join(file, '..');
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    if (!ours(folder)) return;
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, compiled.createCachedData(), { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, file);
    forgetOld(folder);
  } catch {
    // No cache this time: the next command compiles the bundle, as Node would.
  }
}

/** Caches of other builds and Nodes: those of the newest few builds are kept. */
function forgetOld(folder: string): void {
  const newest = new Map<string, number>();
  const caches = readdirSync(folder)
    .filter((name) => /^cli-.*\.cache$/.test(name))
    .map((name) => ({ path: join(folder, name), build: name.slice(0, name.lastIndexOf('-')), time: statSync(join(folder, name)).mtimeMs }));
  for (const cache of caches) newest.set(cache.build, Math.max(newest.get(cache.build) ?? 0, cache.time));
  const kept = new Set(
    [...newest]
      .sort((a, b) => b[1] - a[1])
      .slice(0, KEPT_BUILDS)
      .map(([build]) => build),
  );
  for (const cache of caches) if (!kept.has(cache.build)) rmSync(cache.path, { force: true });
}
