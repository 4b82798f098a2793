// Shared by the host suites: the packaged extension in a throwaway code-server
// profile, a private backend state folder per suite, and shutting down the
// backend the extension started in it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installVsix } from '../../src/devhost/codeServer.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS = join(ROOT, 'test-results');
const VSIX = join(ROOT, 'drydock.vsix');

/** Packages the extension as a user gets it, and empties `shots` so only this run's pictures are there. */
export function packageExtension(shots) {
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--out', VSIX], { cwd: ROOT, stdio: 'inherit' });
}

/** A throwaway code-server profile (also the folder the window opens) with the packaged extension installed. */
export async function profileWithExtension() {
  const profile = mkdtempSync(join(tmpdir(), 'dd-ui-'));
  const dirs = { extensionsDir: join(profile, 'extensions'), userDataDir: join(profile, 'user-data') };
  await installVsix(VSIX, dirs);
  return { profile, dirs };
}

/** A short state folder (the socket path must fit) with a policy whose auto-off default is `autoOff`. */
export function backendEnv(autoOff) {
  const stateDir = mkdtempSync(join(tmpdir(), 'dd-'));
  writeFileSync(join(stateDir, 'policy.json'), JSON.stringify({ autoOff: { default: autoOff, warnBefore: ['1m'] } }));
  return { stateDir, env: { DRYDOCK_STATE_DIR: stateDir, DRYDOCK_POLICY: join(stateDir, 'policy.json') } };
}

/** Stops the backend the extension started (it is detached, so it outlives the host), waits for it to exit, then removes the folder. */
export async function stopBackend(stateDir) {
  let pid;
  try {
    pid = JSON.parse(readFileSync(join(stateDir, 'daemon.lock'), 'utf8')).pid;
  } catch {
    pid = undefined;
  }
  await new Promise((resolve) => {
    const req = request({ socketPath: join(stateDir, 'run/api.sock'), path: '/v1/shutdown', method: 'POST' }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', resolve);
    req.end();
  });
  // It stops answering before it has flushed its state and log: wait for the process itself.
  for (let i = 0; pid && i < 150; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  rmSync(stateDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
