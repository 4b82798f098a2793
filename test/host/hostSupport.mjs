// Shared by the host suites: a private backend state folder per suite, and
// shutting down the backend the extension started in it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS = join(ROOT, 'test-results');

/** A short state folder (the socket path must fit) with a policy whose auto-off default is `autoOff`. */
export function backendEnv(autoOff) {
  const stateDir = mkdtempSync(join(tmpdir(), 'dd-'));
  writeFileSync(join(stateDir, 'policy.json'), JSON.stringify({ autoOff: { default: autoOff, warnBefore: ['1m'] } }));
  return { stateDir, env: { DRYDOCK_STATE_DIR: stateDir, DRYDOCK_POLICY: join(stateDir, 'policy.json') } };
}

/** Stops the backend the extension started (it is detached, so it outlives the host), then removes the folder. */
export async function stopBackend(stateDir) {
  await new Promise((resolve) => {
    const req = request({ socketPath: join(stateDir, 'run/api.sock'), path: '/v1/shutdown', method: 'POST' }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', resolve);
    req.end();
  });
  for (let i = 0; i < 100; i++) {
    const alive = await new Promise((resolve) => {
      const req = request({ socketPath: join(stateDir, 'run/api.sock'), path: '/v1/health' }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (!alive) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  rmSync(stateDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
