/**
 * The rebuild safety list against a real backend and engine: what a build's
 * own configure wrote outside home is its baseline and is not listed; what
 * the user changed after it is, exactly (added, changed, deleted, with sizes,
 * largest first); an empty list lets the CLI rebuild on a terminal
 * without asking; and a workspace on a second engine has its own baseline,
 * taken and read through that engine.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, waitFor } from '../support/cliSandbox';
import { newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { docker, dockerExec, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { PrivateEngine } from '../support/privateEngine';
import { skipOutsideCI } from '../support/skips';
import { buildTestImage, removeImage } from '../support/testImage';

const IMAGE = 'drydock-test/safety:1';
const cannotStartEngine = PrivateEngine.cannotStart();
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

  const build = async (workspace = name): Promise<void> => {
    const started = await daemon.client.rebuild(workspace, {});
    const done = await waitFor(`build ${started.buildId} to end`, 60_000, async () => {
      const view = await daemon.client.workspace(workspace);
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

  void it(
    'a workspace on a second engine gets its own baseline, and its rebuild cleans up only the images pulled there',
    { skip: skipOutsideCI(cannotStartEngine && `cannot run a private Docker engine: ${cannotStartEngine}`) },
    async () => {
      const engine = await PrivateEngine.start([IMAGE]);
      const other = uniqueName('safety-pe');
      const container = `drydock-${other}`;
      const localOld = `drydock-test/local-old:${other}`;
      const cli = (args: string[]): string =>
        execFileSync(process.execPath, [CLI, ...args], { env: { ...process.env, DRYDOCK_STATE_DIR: stateDir }, encoding: 'utf8', stdio: 'pipe' });
      try {
        cli(['engine', 'add', 'pe', '--host', engine.host]);
        await daemon.client.createWorkspace({ name: other, image: IMAGE, pullPolicy: 'never' }, { engine: 'pe', build: false });
        await build(other);
        assert.equal(engine.exec(container, 'cat /tmp/configured'), 'configured', 'configure wrote outside home on pe');
        assert.equal(docker(['ps', '-aq', '--filter', `name=^${container}$`]), '', 'nothing of it on the local engine');
        assert.deepEqual(await daemon.client.rebuildSafety(other), { changes: [], more: 0 });
        const baseline = JSON.parse(readFileSync(join(stateDir, 'logs', other, 'baseline.json'), 'utf8')) as { containerId: string };
        assert.equal(baseline.containerId, engine.docker(['inspect', '-f', '{{.Id}}', container]), "the baseline is of pe's container");

        engine.exec(container, 'head -c 5000 /dev/zero > /etc/only-on-pe', 'root');
        assert.deepEqual(await daemon.client.rebuildSafety(other), { changes: [{ path: '/etc/only-on-pe', kind: 'added', sizeBytes: 5000 }], more: 0 });
        const local = await daemon.client.rebuildSafety(name);
        assert.ok(!local.changes.some((change) => change.path === '/etc/only-on-pe'), "the local workspace's list is its own");

        // Images Drydock pulled are kept per engine: after pe's rebuild, one left unused on pe is removed, one on local is not looked at.
        const peOld = `drydock-test/pe-old:${other}`;
        engine.docker(['commit', container, peOld]);
        const peOldId = engine.docker(['inspect', '-f', '{{.Id}}', peOld]);
        docker(['commit', `drydock-${name}`, localOld]);
        const localOldId = docker(['inspect', '-f', '{{.Id}}', localOld]);
        await daemon.stop();
        const stateFile = join(stateDir, 'state.json');
        const envelope = JSON.parse(readFileSync(stateFile, 'utf8')) as { state: { pulledImages?: unknown[] } };
        const at = new Date().toISOString();
        // The local entry has no engine, as an older state file's: it reads as the local engine's.
        envelope.state.pulledImages = [
          { id: localOldId, reference: localOld, at },
          { id: peOldId, reference: peOld, engine: 'pe', at },
        ];
        writeFileSync(stateFile, JSON.stringify(envelope));
        daemon = await startDaemon(stateDir);
        await waitFor('the workspace on pe to be seen again', 30_000, async () => (await daemon.client.workspace(other)).state === 'running');

        // A rebuild on pe takes that engine's new container as the baseline: nothing is listed again.
        await build(other);
        assert.deepEqual(await daemon.client.rebuildSafety(other), { changes: [], more: 0 });
        await waitFor('the unused image Drydock pulled on pe to be removed', 30_000, () => {
          try {
            engine.docker(['image', 'inspect', peOldId]);
            return false;
          } catch {
            return true;
          }
        });
        assert.equal(docker(['inspect', '-f', '{{.Id}}', localOld]), localOldId, "the local engine's image is not touched by pe's cleanup");
        // The state file forgets what was removed (saved soon after) and keeps the local engine's entry, now naming its engine.
        const remembered = (): string => {
          const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { state: { pulledImages: { id: string; engine: string }[] } };
          return JSON.stringify(saved.state.pulledImages.map((image) => [image.id, image.engine]));
        };
        await waitFor('the state file to forget the removed image', 10_000, () => remembered() === JSON.stringify([[localOldId, 'local']]));
      } finally {
        removeImage(localOld);
        await daemon.client.deleteWorkspace(other, { deleteHome: true }).catch(() => undefined);
        try {
          cli(['engine', 'rm', 'pe']);
        } catch {
          // Not added (the engine did not answer): nothing to forget.
        }
        await engine.stop();
      }
    },
  );
});
