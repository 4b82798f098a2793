import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { docker, removeWorkspaceObjects } from '../support/docker';
import { createRunning, removeStateDir, startDaemonWithPolicy } from '../support/daemonProcess';
import { report, sideBySide, summarize } from './measure';

const ROOT = join(__dirname, '../../..');

/**
 * Drydock inside the workspace: `drydock extend` run in the container (a
 * request file through the control folder, answered by the backend) against
 * the same extension from the host with the CLI over the API socket. The
 * inside figure includes `docker exec`, which a user inside does not pay, so
 * the exec alone is shown too.
 */
export async function benchInside(image: string, rounds: number): Promise<void> {
  const daemon = await startDaemonWithPolicy({ autoOff: { default: '1h' } });
  const name = 'bench-inside';
  const env = { ...process.env, DRYDOCK_STATE_DIR: daemon.stateDir };
  try {
    await createRunning(daemon, { name, image, pullPolicy: 'never' });
    const container = `drydock-${name}`;
    const samples = await sideBySide(rounds, [
      { label: 'drydock extend 1m inside (docker exec)', run: () => docker(['exec', container, 'drydock', 'extend', '1m']) },
      {
        label: 'drydock extend NAME 1m on the host (CLI)',
        run: () => execFileSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'extend', name, '1m'], { env }),
      },
      { label: 'docker exec of `true` (the exec alone)', run: () => docker(['exec', container, 'true']) },
    ]);
    report('Extend from inside the workspace vs from the host CLI', samples, { max: 2 });
    summarize('drydock extend inside (with docker exec) vs host CLI', samples, { max: 2 });
  } finally {
    await daemon.stop();
    removeWorkspaceObjects(name);
    removeStateDir(daemon.stateDir);
  }
}
