/**
 * The rebuild safety list against a real backend and engine: what a build's
 * own configure wrote outside home is its baseline and is not listed; what
 * the user changed after it is, exactly (added, changed, deleted, with sizes,
 * largest first); and an empty list lets the CLI rebuild on a terminal
 * without asking.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CLI, waitFor } from '../support/cliSandbox';
import { newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { dockerExec, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { buildTestImage, removeImage } from '../support/testImage';

const IMAGE = 'drydock-test/safety:1';
/** Writes outside home as the workspace user, as real configure scripts do (caches, pid files, /tmp). */
const CONFIGURE = `#!/bin/sh
echo configured > /tmp/configured
mkdir -p /tmp/cache && head -c 3000 /dev/zero > /tmp/cache/blob
echo in-home > "$HOME/.configured"
`;

void describe('the rebuild safety list: only what changed since the build', () => {
  let daemon: TestDaemon;
  let stateDir: string;
  const name = uniqueName('safety');

  const build = async (): Promise<void> => {
    const started = await daemon.client.rebuild(name, {});
    const done = await waitFor(`build ${started.buildId} to end`, 60_000, async () => {
      const view = await daemon.client.workspace(name);
      return view.lastBuild?.buildId === started.buildId && view.lastBuild.status !== 'building' && view.state !== 'building' ? view : undefined;
    });
    assert.equal(done.state, 'running', done.lastBuild?.message);
  };
  /** `drydock ARGS` on a pseudo-terminal (script(1)), stdin at EOF: a prompt would be answered "no". */
  const cliOnTerminal = (args: string[]): string =>
    execFileSync('script', ['-qec', [process.execPath, CLI, ...args].map((word) => `'${word}'`).join(' '), '/dev/null'], {
      env: { ...process.env, DRYDOCK_STATE_DIR: stateDir },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  before(async () => {
    buildTestImage(IMAGE, {
      files: {
        '/coder/configure': { content: CONFIGURE, mode: 0o755 },
        '/etc/tool.conf': 'setting=1\n',
        '/etc/motd': 'welcome\n',
      },
    });
    stateDir = newStateDir();
    daemon = await startDaemon(stateDir);
    await daemon.client.createWorkspace({ name, image: IMAGE }, { build: false });
    await build();
  });

  after(async () => {
    await daemon?.stop();
    removeWorkspaceObjects(name);
    if (stateDir) removeStateDir(stateDir);
    removeImage(IMAGE);
  });

  void it('is empty right after a build whose configure wrote outside home, and the CLI then asks nothing on a terminal', async () => {
    assert.equal(dockerExec(`drydock-${name}`, 'cat /tmp/configured'), 'configured', 'configure did write outside home');
    assert.deepEqual(await daemon.client.rebuildSafety(name), { changes: [], more: 0 });
    const out = cliOnTerminal(['rebuild', name]);
    assert.doesNotMatch(out, /Rebuild anyway\?|will be lost/);
    assert.match(out, /=== build running/);
    assert.deepEqual(await daemon.client.rebuildSafety(name), { changes: [], more: 0 }, 'and again after that rebuild');
  });

  void it('lists exactly what the user changed after the build: added, changed, deleted, with sizes, largest first', async () => {
    const container = `drydock-${name}`;
    dockerExec(container, 'mkdir -p /opt/tool && head -c 200000 /dev/zero > /opt/tool/big && echo x > /opt/tool/small', 'root');
    dockerExec(container, 'echo setting=2 > /etc/tool.conf && rm /etc/motd', 'root');
    dockerExec(container, 'echo changed-by-user > /tmp/configured && rm /tmp/cache/blob');
    dockerExec(container, 'echo home-is-kept > ~/notes');
    const list = await daemon.client.rebuildSafety(name);
    assert.deepEqual(list, {
      changes: [
        { path: '/opt/tool/big', kind: 'added', sizeBytes: 200000 },
        { path: '/tmp/configured', kind: 'changed', sizeBytes: 16 },
        { path: '/etc/tool.conf', kind: 'changed', sizeBytes: 10 },
        { path: '/opt/tool/small', kind: 'added', sizeBytes: 2 },
        { path: '/etc/motd', kind: 'deleted' },
        { path: '/tmp/cache/blob', kind: 'deleted', sizeBytes: 3000 },
      ].sort((a, b) => (b.sizeBytes ?? -1) - (a.sizeBytes ?? -1) || a.path.localeCompare(b.path)),
      more: 0,
    });
    // The CLI shows the same list, and off a terminal refuses without --yes.
    let refused = '';
    try {
      execFileSync(process.execPath, [CLI, 'rebuild', name], { env: { ...process.env, DRYDOCK_STATE_DIR: stateDir }, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      refused = String((error as { stderr?: string }).stderr);
      assert.equal((error as { status?: number }).status, 2);
    }
    assert.match(refused, /changes made outside home since the last build will be lost/);
    assert.match(refused, /added\s+195\.3 KB {2}\/opt\/tool\/big\n {2}deleted\s+2\.9 KB {2}\/tmp\/cache\/blob\n/);
    assert.match(refused, /deleted {12}\/etc\/motd/);
    assert.match(refused, /pass --yes/);
  });
});
