import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { docker, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { createRunning, newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { buildTestImage, removeImage } from '../support/testImage';

const IMAGE = 'drydock-test/external-stop:1';

void describe('a workspace stopped outside Drydock', () => {
  let daemon: TestDaemon;
  let stateDir: string;
  const name = uniqueName('outside');

  before(async () => {
    buildTestImage(IMAGE);
    stateDir = newStateDir();
    daemon = await startDaemon(stateDir);
  });
  after(async () => {
    await daemon.stop();
    removeWorkspaceObjects(name);
    removeStateDir(stateDir);
    removeImage(IMAGE);
  });

  void it('is off, not failed, says it was stopped outside Drydock, and comes back with a rebuild', async () => {
    const built = await createRunning(daemon, { name, image: IMAGE, pullPolicy: 'never' });
    const from = daemon.events.length;
    docker(['stop', '-t', '1', `drydock-${name}`]);
    const stopped = await daemon.waitForEvent(
      (event) => daemon.events.indexOf(event) >= from && event.type === 'workspace' && event.workspace.name === name && event.workspace.state !== 'running',
      30_000,
    );
    assert.equal(stopped.type === 'workspace' && stopped.workspace.state, 'off');
    const view = await daemon.workspace(name);
    assert.equal(view.state, 'off');
    assert.match(view.notice ?? '', /stopped outside Drydock \(exit code \d+\)/);
    assert.equal(view.lastBuild?.status, 'running', 'the build itself did not fail');

    // A backend restart keeps it off (the stopped container is still there).
    await daemon.stop();
    daemon = await startDaemon(stateDir);
    assert.equal((await daemon.workspace(name)).state, 'off');

    // Stop on an off workspace is not an error, and removes the stopped container (home stays).
    assert.equal((await daemon.client.stop(name)).state, 'off');
    assert.equal(docker(['ps', '-aq', '--filter', `name=^drydock-${name}$`]), '');
    assert.equal((await daemon.workspace(name)).notice, undefined);

    const started = await daemon.client.rebuild(name);
    await daemon.waitForEvent(
      (event) =>
        event.type === 'workspace' &&
        event.workspace.name === name &&
        event.workspace.lastBuild?.buildId === started.buildId &&
        event.workspace.lastBuild.status !== 'building',
      60_000,
    );
    const after = await daemon.workspace(name);
    assert.equal(after.state, 'running');
    assert.equal(after.notice, undefined, 'the notice goes with the next good build');
    assert.ok(built.lastBuild?.buildId !== after.lastBuild?.buildId);
  });
});
