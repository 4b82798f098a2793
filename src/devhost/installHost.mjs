#!/usr/bin/env node
// Installs a real VS Code host (for `npm start` and the host test suites under
// test/host/), idempotently, into a cache folder outside the repo:
//   ~/.cache/drydock-test-host/        (override with DRYDOCK_HOST_CACHE)
//     code-server/   npm prefix holding code-server@4.100.3 (VS Code 1.100.3)
//     playwright/    npm prefix holding playwright-core (drives Debian's /usr/bin/chromium)
// plus the Debian packages chromium, ripgrep and the headers code-server's native
// modules build against.
//
// Why it is done this way:
// - code-server 4.100.3 is the newest release that runs on Node 20: later ones
//   bundle a VS Code built for a newer Node, and code-server's postinstall
//   refuses a Node major other than the one it was built for. So the install
//   runs only under Node 20.
// - Its native modules are compiled by node-gyp during `npm install`: against
//   the local Node headers (npm_config_nodedir=/usr, no header download) and
//   the -dev packages in APT_PACKAGES. Running as root needs unsafe-perm.
// - VS Code's search needs @vscode/ripgrep, whose postinstall downloads an rg
//   release from GitHub. Before downloading it looks for the release tarball in
//   $TMPDIR/vscode-ripgrep-cache-<package version>/, so we put a tarball of
//   Debian's /usr/bin/rg there under the exact asset name it asks for, and the
//   install never goes to GitHub.
// - The browser is Debian's chromium driven by playwright-core; nothing runs
//   `playwright install`, so no browser is downloaded.
//
// Exit codes: 0 everything is in place (prints where), 3 something is missing and
// cannot be installed here (prints one loud `!!! DRYDOCK TEST HOST UNAVAILABLE: ...`
// line saying what and why; callers turn it into a skip with that reason).
//
// Usage: node src/devhost/installHost.mjs [--quiet]
// Also importable: `import { ensureHost, hostPaths } from './installHost.mjs'`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
// The newest playwright-core whose engines accept Node 20 when this was written
// (engines: node >=20). Never run `playwright install`: it drives /usr/bin/chromium.
export const PLAYWRIGHT_CORE_VERSION = '1.65.1';
// code-server 4.100.3's lib/vscode/npm-shrinkwrap.json pins @vscode/ripgrep 1.15.11;
// its postinstall asks for ripgrep v13.0.0-10 for x86_64-unknown-linux-musl and looks
// in $TMPDIR/vscode-ripgrep-cache-<version>/ before going to GitHub.
export const VSCODE_RIPGREP_VERSIONS = ['1.15.11'];
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';
const APT_PACKAGES = ['chromium', 'ripgrep', 'libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config'];
const MARKER = '.drydock-installed.json';

export class HostUnavailable extends Error {}

/** Where everything lives; nothing here touches the disk. */
export function hostPaths(cacheDir = process.env.DRYDOCK_HOST_CACHE || path.join(os.homedir(), '.cache', 'drydock-test-host')) {
  const codeServerPrefix = path.join(cacheDir, 'code-server');
  const playwrightPrefix = path.join(cacheDir, 'playwright');
  return {
    cacheDir,
    codeServerPrefix,
    codeServerPackage: path.join(codeServerPrefix, 'node_modules', 'code-server'),
    codeServerEntry: path.join(codeServerPrefix, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    playwrightPrefix,
    playwrightCore: path.join(playwrightPrefix, 'node_modules', 'playwright-core'),
    chromium: '/usr/bin/chromium',
  };
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function isInstalled(prefix, pkgDir, name, version, extraFiles = []) {
  const marker = readJson(path.join(prefix, MARKER));
  const pkg = readJson(path.join(pkgDir, 'package.json'));
  return marker?.name === name && marker?.version === version && pkg?.version === version && extraFiles.every((f) => fs.existsSync(f));
}

function missingDebianPackages() {
  return APT_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function run(cmd, args, { env = process.env, logFile, quiet } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
    let tail = '';
    const onData = (chunk) => {
      log?.write(chunk);
      if (!quiet && !logFile) process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => {
      log?.end();
      resolve({ code: 127, tail: String(error) });
    });
    child.on('close', (code) => {
      log?.end();
      resolve({ code: code ?? 1, tail });
    });
  });
}

// The lines of an install log that say what went wrong, on one line.
function lastLine(text) {
  const lines = text.trim().split('\n').filter(Boolean);
  const errors = lines.filter((l) => /\b(ERR!|error|E:)/i.test(l) && !/complete log of this run|npm help/i.test(l));
  return (errors.length > 0 ? errors.slice(0, 4) : lines.slice(-3)).map((l) => l.trim()).join(' | ');
}

async function ensureDebianPackages(say) {
  const missing = missingDebianPackages();
  if (missing.length === 0) {
    say(`debian packages: all present (${APT_PACKAGES.join(' ')})`);
    return [];
  }
  if (process.getuid?.() !== 0) {
    say(`debian packages missing (${missing.join(' ')}), but not root (uid ${process.getuid?.()}): skipping apt-get`);
    return missing; // the checks below say what that breaks
  }
  say(`debian packages missing: ${missing.join(' ')}: apt-get update && apt-get install`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await run('apt-get', ['update'], { env, quiet: true });
  if (update.code !== 0) throw new HostUnavailable(`apt-get update failed (exit ${update.code}): ${lastLine(update.tail)}`);
  const install = await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, quiet: true });
  if (install.code !== 0) {
    throw new HostUnavailable(`apt-get install ${missing.join(' ')} failed (exit ${install.code}): ${lastLine(install.tail)}`);
  }
  return [];
}

function requireTools() {
  const problems = [];
  if (!fs.existsSync('/usr/bin/chromium')) problems.push('/usr/bin/chromium (Debian package chromium)');
  if (!fs.existsSync('/usr/bin/rg')) problems.push('/usr/bin/rg (Debian package ripgrep)');
  return problems;
}

/** Puts Debian's rg where @vscode/ripgrep's postinstall looks before downloading. */
function seedRipgrepCache(say) {
  for (const version of VSCODE_RIPGREP_VERSIONS) {
    const dir = path.join(os.tmpdir(), `vscode-ripgrep-cache-${version}`);
    const asset = path.join(dir, RIPGREP_ASSET);
    if (fs.existsSync(asset) && fs.statSync(asset).size > 0) continue;
    fs.mkdirSync(dir, { recursive: true });
    const r = spawnSync('tar', ['-czf', asset, '-C', '/usr/bin', 'rg'], { encoding: 'utf8' });
    if (r.status !== 0) throw new HostUnavailable(`could not pack /usr/bin/rg into ${asset}: ${r.stderr}`);
    say(`ripgrep: seeded ${asset} from /usr/bin/rg`);
  }
}

async function npmInstall(prefix, spec, say, logFile) {
  fs.rmSync(prefix, { recursive: true, force: true });
  fs.mkdirSync(prefix, { recursive: true });
  say(`npm install ${spec} into ${prefix} (log: ${logFile})`);
  const env = {
    ...process.env,
    npm_config_nodedir: '/usr', // node-gyp uses the local Node headers, no download
    npm_config_yes: 'true', // node-pty's install step would wait at an npx prompt
    npm_config_unsafe_perm: 'true', // code-server's postinstall refuses root without it
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // --foreground-scripts: the postinstall output (which ripgrep cache it used) goes to the log.
  const r = await run(npm, ['install', '--no-save', '--foreground-scripts', '--prefix', prefix, spec], { env, logFile });
  if (r.code !== 0) {
    throw new HostUnavailable(`npm install ${spec} failed (exit ${r.code}, log ${logFile}): ${lastLine(r.tail)}`);
  }
}

function writeMarker(prefix, name, version, started) {
  const info = { name, version, node: process.version, installedAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000 };
  fs.writeFileSync(path.join(prefix, MARKER), JSON.stringify(info, null, 2) + '\n');
}

/** One installer at a time per cache folder (a second caller waits). */
async function withLock(cacheDir, say, fn) {
  const lock = path.join(cacheDir, '.install-lock');
  fs.mkdirSync(cacheDir, { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8').trim() || 0) || 0;
      let alive = false;
      try {
        if (pid) process.kill(pid, 0);
        alive = pid > 0;
      } catch {
        alive = false;
      }
      if (!alive) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new HostUnavailable(`another install (pid ${pid}) holds ${lock} for over 15 min`);
      if (!announced) say(`waiting for another install (pid ${pid}) holding ${lock}`);
      announced = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Makes sure everything is installed; returns hostPaths(). Throws HostUnavailable
 * (message = the reason) when something is missing and cannot be installed.
 */
export async function ensureHost({ quiet = false } = {}) {
  const say = (msg) => {
    if (!quiet) console.log(`[drydock-test-host] ${msg}`);
  };
  const paths = hostPaths();
  const rgBin = path.join(paths.codeServerPackage, 'lib', 'vscode', 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
  const codeServerReady = () =>
    isInstalled(paths.codeServerPrefix, paths.codeServerPackage, 'code-server', CODE_SERVER_VERSION, [paths.codeServerEntry, rgBin]);
  const playwrightReady = () => isInstalled(paths.playwrightPrefix, paths.playwrightCore, 'playwright-core', PLAYWRIGHT_CORE_VERSION);

  if (codeServerReady() && playwrightReady() && missingDebianPackages().length === 0) {
    say(
      `already installed: code-server ${CODE_SERVER_VERSION} in ${paths.codeServerPrefix}, playwright-core ${PLAYWRIGHT_CORE_VERSION} in ${paths.playwrightPrefix}, chromium ${paths.chromium}`,
    );
    return paths;
  }

  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) {
    throw new HostUnavailable(`code-server ${CODE_SERVER_VERSION} needs Node 20 (its postinstall refuses others), this is Node ${process.version}`);
  }

  const notInstalled = await ensureDebianPackages(say);
  const aptNote = notInstalled.length > 0 ? ` (Debian packages missing, not installed because not root: ${notInstalled.join(' ')})` : '';
  const missingTools = requireTools();
  if (missingTools.length > 0) {
    const why = process.getuid?.() === 0 ? 'apt-get did not provide them' : 'not root, so apt-get was not run';
    throw new HostUnavailable(`missing ${missingTools.join(', ')} (${why})`);
  }

  return withLock(paths.cacheDir, say, async () => {
    const logDir = path.join(paths.cacheDir, 'logs');
    fs.mkdirSync(logDir, { recursive: true });
    if (!codeServerReady()) {
      const started = Date.now();
      seedRipgrepCache(say);
      const logFile = path.join(logDir, `code-server-install-${started}.log`);
      try {
        await npmInstall(paths.codeServerPrefix, `code-server@${CODE_SERVER_VERSION}`, say, logFile);
      } catch (error) {
        if (error instanceof HostUnavailable && aptNote) throw new HostUnavailable(error.message + aptNote);
        throw error;
      }
      const log = fs.readFileSync(logFile, 'utf8');
      const used = log.match(/Using cached download: (\S+)/g);
      if (used) say(`ripgrep: ${used.join('; ')}`);
      const asked = [...log.matchAll(/vscode-ripgrep-cache-([0-9.]+)/g)].map((m) => m[1]);
      for (const v of new Set(asked)) if (!VSCODE_RIPGREP_VERSIONS.includes(v)) say(`WARNING: install asked for an unseeded @vscode/ripgrep ${v}`);
      if (!fs.existsSync(paths.codeServerEntry)) throw new HostUnavailable(`npm install finished but ${paths.codeServerEntry} is missing (log ${logFile})`);
      if (!fs.existsSync(rgBin)) throw new HostUnavailable(`npm install finished but ${rgBin} is missing (log ${logFile})`);
      writeMarker(paths.codeServerPrefix, 'code-server', CODE_SERVER_VERSION, started);
      say(`code-server ${CODE_SERVER_VERSION} installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } else {
      say(`code-server ${CODE_SERVER_VERSION}: already installed`);
    }
    if (!playwrightReady()) {
      const started = Date.now();
      const logFile = path.join(logDir, `playwright-core-install-${started}.log`);
      await npmInstall(paths.playwrightPrefix, `playwright-core@${PLAYWRIGHT_CORE_VERSION}`, say, logFile);
      writeMarker(paths.playwrightPrefix, 'playwright-core', PLAYWRIGHT_CORE_VERSION, started);
      say(`playwright-core ${PLAYWRIGHT_CORE_VERSION} installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } else {
      say(`playwright-core ${PLAYWRIGHT_CORE_VERSION}: already installed`);
    }
    say(`ready: code-server ${paths.codeServerEntry}; playwright-core ${paths.playwrightCore}; chromium ${paths.chromium}`);
    return paths;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  const started = Date.now();
  try {
    await ensureHost({ quiet: process.argv.includes('--quiet') });
    if (!process.argv.includes('--quiet')) console.log(`[drydock-test-host] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.exit(0);
  } catch (error) {
    const reason = error instanceof HostUnavailable ? error.message : `unexpected error: ${error?.stack ?? error}`;
    console.error(`!!! DRYDOCK TEST HOST UNAVAILABLE: ${reason.split('\n').join(' ')}`);
    process.exit(3);
  }
}

export const installHostScript = fileURLToPath(import.meta.url);
