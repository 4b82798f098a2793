// A real VS Code host for `npm start` and the tests: code-server 4.100.3
// (VS Code 1.100.3) driven by Debian's headless Chromium through playwright-core.
// Install the host first with `node src/devhost/installHost.mjs` (exit 3 = cannot
// run here; skip with its reason; installHost.mjs says why it installs what it does).
//
// How the pieces fit:
// - code-server runs with --auth none on 127.0.0.1 and answers GET /healthz once
//   it is up; the user settings below switch off workspace trust, the welcome
//   page, tips, telemetry and updates so nothing covers the workbench.
// - The workbench URL is `/?folder=<absolute path>&payload=<JSON>`, the payload a
//   JSON array of [key, value] pairs. ['extensionDevelopmentPath', uri] loads an
//   unpacked extension (repeatable) and ['extensionTestsPath', uri] runs a test
//   module's run() inside the extension host, as @vscode/test-electron does on
//   desktop. Both URIs name the server's disk: vscode-remote://<host:port><path>.
// - In a test run the workbench forwards the extension host's console to
//   window.codeAutomationLog(type, args) and, when run() settles, calls
//   window.codeAutomationExit(code) (0 pass, 1 fail). Playwright's
//   exposeFunction provides both, which is how the exit code gets out.
// - Chromium runs with --no-sandbox (it may run as root here) and no GPU.
//
// Exports:
//   startCodeServer({ extensionsDir, userDataDir, port?, env?, settings?, verbose? }) -> { url, port, stop(), logFile, scratchDir }
//   installVsix(vsixPath, { extensionsDir, userDataDir })                            -> output text (throws on failure)
//   runExtensionTests({ extensionDevelopmentPath, extensionTestsPath, folder?, env?,
//                       timeoutMs?, screenshotDir?, extensionsDir?, userDataDir?, port?, settings?,
//                       log?(type, text) }) -> exit code (0 pass, 1 fail or no usable report, 124 timeout)
//   openWorkbench({ url, folder?, timeoutMs? })                                      -> { page, context, close() }
//   launchChromium()                                                                  -> { context, page, close() }
//   hostAvailable()                                                                  -> undefined | reason string
//   exitReport(value)                                                                -> { code, how } (non-integer -> code 1)
//
// Only one code-server + Chromium at a time on a 2-core machine: callers run suites
// one after another and stop() each server before starting the next.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { HostUnavailable, hostPaths } from './installHost.mjs';

export { HostUnavailable, hostPaths };

export const DEFAULT_USER_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'update.mode': 'none',
};

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const CODE_SERVER_FLAGS = [
  '--auth',
  'none',
  '--disable-telemetry',
  '--disable-update-check',
  '--disable-workspace-trust',
  '--disable-getting-started-override',
];

export const WORKBENCH_READY = '.monaco-workbench .part.activitybar';

/** undefined when the host is installed, otherwise why not (for a skip message). */
export function hostAvailable() {
  const p = hostPaths();
  const missing = [];
  if (!fs.existsSync(p.codeServerEntry)) missing.push(`code-server (${p.codeServerEntry})`);
  if (!fs.existsSync(path.join(p.playwrightCore, 'package.json'))) missing.push(`playwright-core (${p.playwrightCore})`);
  if (!fs.existsSync(p.chromium)) missing.push(`chromium (${p.chromium})`);
  if (missing.length === 0) return undefined;
  return `VS Code host not installed: missing ${missing.join(', ')}; run \`node src/devhost/installHost.mjs\``;
}

function assertHost() {
  const reason = hostAvailable();
  if (reason) throw new HostUnavailable(reason);
  return hostPaths();
}

function say(msg) {
  console.log(`[drydock-test-host] ${msg}`);
}

function mkScratch(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function rmQuiet(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    /* best effort */
  }
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// code-server and its extension host get XDG dirs and (unless `env.TMPDIR` is
// given) a TMPDIR inside the scratch folder: the extension host leaves its
// vscode-ipc-*.sock and vscode-git-*.sock there, and stop() removes the folder.
function hostEnv(scratchDir, extra = {}) {
  const config = path.join(scratchDir, 'xdg-config');
  const data = path.join(scratchDir, 'xdg-data');
  const tmp = path.join(scratchDir, 'tmp');
  for (const dir of [config, data, tmp]) fs.mkdirSync(dir, { recursive: true });
  return { ...process.env, TMPDIR: tmp, ...extra, XDG_CONFIG_HOME: config, XDG_DATA_HOME: data };
}

function writeUserSettings(userDataDir, settings = {}) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let existing = {};
  try {
    existing = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    existing = {};
  }
  fs.writeFileSync(file, JSON.stringify({ ...existing, ...DEFAULT_USER_SETTINGS, ...settings }, null, 2) + '\n');
}

function tail(file, chars = 3000) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-chars);
  } catch {
    return '';
  }
}

async function waitForHealthz(url, child, logFile, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before answering /healthz; log ${logFile}:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      lastError = `HTTP ${res.status}`;
    } catch (error) {
      lastError = error.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs} ms (${lastError}); log ${logFile}:\n${tail(logFile)}`);
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal); // its own process group: the extension host goes too
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Starts code-server on 127.0.0.1 (port: given or free). `env` is merged into
 * code-server's environment, which its extension host inherits.
 */
export async function startCodeServer({
  extensionsDir,
  userDataDir,
  port,
  env = {},
  settings,
  verbose = !!process.env.DRYDOCK_HOST_VERBOSE,
  startTimeoutMs = 60_000,
} = {}) {
  const paths = assertHost();
  const scratchDir = mkScratch('drydock-code-server-');
  userDataDir = path.resolve(userDataDir ?? path.join(scratchDir, 'user-data'));
  extensionsDir = path.resolve(extensionsDir ?? path.join(scratchDir, 'extensions'));
  fs.mkdirSync(userDataDir, { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(userDataDir, settings);
  port = port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(scratchDir, 'code-server.log');
  const log = fs.openSync(logFile, 'a');
  const args = [
    paths.codeServerEntry,
    '--bind-addr',
    `127.0.0.1:${port}`,
    ...CODE_SERVER_FLAGS,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--config',
    path.join(scratchDir, 'config.yaml'),
  ];
  fs.writeFileSync(path.join(scratchDir, 'config.yaml'), 'auth: none\ncert: false\n');
  const child = spawn(process.execPath, args, {
    cwd: scratchDir,
    env: hostEnv(scratchDir, env),
    stdio: ['ignore', verbose ? 'inherit' : log, verbose ? 'inherit' : log],
    detached: true,
  });
  fs.closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitForHealthz(url, child, logFile, startTimeoutMs);
  } catch (error) {
    killGroup(child, 'SIGKILL');
    throw error;
  }
  let stopped;
  const stop = async ({ keepScratch = false } = {}) => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          child.kill('SIGTERM');
        } catch {
          /* gone */
        }
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      killGroup(child, 'SIGKILL'); // stragglers left in the group (extension host)
      if (!keepScratch) rmQuiet(scratchDir);
    })();
    return stopped;
  };
  return { url, port, stop, logFile, scratchDir, userDataDir, extensionsDir, process: child, exited };
}

/** `code-server --install-extension x.vsix` into the same dirs a later startCodeServer uses. */
export async function installVsix(vsixPath, { extensionsDir, userDataDir }) {
  const paths = assertHost();
  const scratchDir = mkScratch('drydock-code-server-install-');
  try {
    const args = [
      paths.codeServerEntry,
      '--user-data-dir',
      path.resolve(userDataDir),
      '--extensions-dir',
      path.resolve(extensionsDir),
      '--config',
      path.join(scratchDir, 'config.yaml'),
      '--force',
      '--install-extension',
      path.resolve(vsixPath),
    ];
    fs.writeFileSync(path.join(scratchDir, 'config.yaml'), 'auth: none\ncert: false\n');
    const { code, output } = await new Promise((resolve) => {
      const child = spawn(process.execPath, args, { cwd: scratchDir, env: hostEnv(scratchDir), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('error', (error) => resolve({ code: 127, output: String(error) }));
      child.on('close', (code) => resolve({ code, output }));
    });
    if (code !== 0 || /Failed Installing/i.test(output)) {
      throw new Error(`code-server --install-extension ${vsixPath} failed (exit ${code}):\n${output}`);
    }
    return output;
  } finally {
    rmQuiet(scratchDir);
  }
}

/** Debian's /usr/bin/chromium through playwright-core, headless, fresh profile. */
export async function launchChromium({ viewport = { width: 1440, height: 900 } } = {}) {
  const paths = assertHost();
  const require = createRequire(path.join(paths.playwrightPrefix, 'index.js'));
  const { chromium } = require('playwright-core');
  const profile = mkScratch('drydock-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: paths.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    try {
      await context.close();
    } finally {
      rmQuiet(profile);
    }
  };
  return { context, page, close };
}

function workbenchUrl(url, folder, payload) {
  const params = [];
  if (folder) params.push(`folder=${encodeURIComponent(path.resolve(folder))}`);
  if (payload) params.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `${url}/${params.length ? '?' + params.join('&') : ''}`;
}

/** A Playwright page on a ready workbench (activity bar visible). */
export async function openWorkbench({ url, folder, timeoutMs = 90_000 }) {
  const { context, page, close } = await launchChromium();
  try {
    await page.goto(workbenchUrl(url, folder), { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    await page.locator(WORKBENCH_READY).first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (error) {
    await close();
    throw error;
  }
  return { page, context, close };
}

/**
 * The workbench's exit report as a result: only an integer counts as one. A
 * missing or non-numeric report is a failure with its reason, never a pass.
 */
export function exitReport(code) {
  if (typeof code === 'number' && Number.isInteger(code)) return { code, how: 'reported' };
  return { code: 1, how: `the workbench reported a non-numeric exit code (${code === undefined ? 'none' : JSON.stringify(code)}), counted as a failure` };
}

function formatLogArgs(args) {
  if (!Array.isArray(args)) args = [args];
  return args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
}

/**
 * Runs an extension's tests inside the host, the way @vscode/test-electron's
 * runTests does on desktop: `extensionTestsPath` is a module exporting run().
 * Resolves with the exit code the workbench reports (0 pass, 1 failure), or 124
 * when nothing is reported within timeoutMs, or 1 when the host broke or the
 * report is not a number (exitReport). The tests module itself must fail a run
 * that tested nothing (test/extension/index.ts does).
 */
export async function runExtensionTests({
  extensionDevelopmentPath,
  extensionTestsPath,
  folder,
  env = {},
  timeoutMs = 5 * 60_000,
  screenshotDir,
  screenshotName = 'extension-tests-final.png',
  extensionsDir,
  userDataDir,
  port,
  settings,
  log = (type, text) => console.log(text),
}) {
  const started = Date.now();
  const devPaths = (Array.isArray(extensionDevelopmentPath) ? extensionDevelopmentPath : [extensionDevelopmentPath]).map((p) => path.resolve(p));
  const testsPath = path.resolve(extensionTestsPath);
  for (const p of [...devPaths, testsPath]) {
    if (!fs.existsSync(p)) throw new Error(`runExtensionTests: ${p} does not exist`);
  }
  let tempFolder;
  if (!folder) {
    tempFolder = mkScratch('drydock-test-folder-');
    folder = tempFolder;
  }
  const server = await startCodeServer({ extensionsDir, userDataDir, port, env, settings });
  const authority = `127.0.0.1:${server.port}`;
  let browser;
  let timer;
  try {
    browser = await launchChromium();
    const { page } = browser;
    let finish;
    const finished = new Promise((resolve) => (finish = resolve));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      log(type, formatLogArgs(args));
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish(exitReport(code)));
    page.on('crash', () => finish({ code: 1, how: 'the workbench page crashed' }));
    server.exited.then((c) => finish({ code: 1, how: `code-server exited (${c}) before the tests reported; log:\n${tail(server.logFile)}` }));
    timer = setTimeout(() => finish({ code: 124, how: `no exit code within ${timeoutMs} ms` }), timeoutMs);
    const remote = (p) => `vscode-remote://${authority}${p.split(path.sep).map(encodeURIComponent).join('/')}`;
    const payload = [...devPaths.map((p) => ['extensionDevelopmentPath', remote(p)]), ['extensionTestsPath', remote(testsPath)]];
    await page.goto(workbenchUrl(server.url, folder, payload), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    const result = await finished;
    clearTimeout(timer);
    if (result.how !== 'reported') console.error(`!!! EXTENSION TESTS DID NOT FINISH: ${result.how}`);
    if (screenshotDir) {
      try {
        fs.mkdirSync(screenshotDir, { recursive: true });
        await page.screenshot({ path: path.join(screenshotDir, screenshotName), timeout: 10_000 });
      } catch (error) {
        console.error(`[drydock-test-host] screenshot failed: ${error.message}`);
      }
    }
    say(`extension tests exit code ${result.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result.code;
  } finally {
    clearTimeout(timer);
    if (browser) await browser.close().catch(() => {});
    await server.stop();
    if (tempFolder) rmQuiet(tempFolder);
  }
}
