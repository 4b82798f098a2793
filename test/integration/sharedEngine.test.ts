import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { resolveLocations } from '../../src/api/locations';
import { isDrydockError } from '../../src/core/errors';
import { LABEL } from '../../src/core/names';
import { docker, dockerExec, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { createRunning, newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { buildHookImage } from '../support/hookImage';
import { removeImage } from '../support/testImage';

const IMAGE = 'drydock-test/shared:1';

const containersOf = (name: string): string[] =>
  docker(['ps', '-a', '--filter', `label=${LABEL.workspace}=${name}`, '--format', '{{.Names}}'])
    .split('\n')
    .filter(Boolean);
const labelOf = (object: 'container' | 'volume', name: string, label: string): string =>
  docker([object, 'inspect', '--format', `{{ index .${object === 'container' ? 'Config.' : ''}Labels "${label}" }}`, name]);

/**
 * Two backends (two state folders, as two users of one Docker host would
 * have) on the one engine: each sees, changes and removes only its own.
 */
void describe('two backends on one engine', () => {
  const stateDirs: string[] = [];
  const daemons: TestDaemon[] = [];
  const workspaces: string[] = [];
  const workspace = (prefix: string): string => {
    const name = uniqueName(prefix);
    workspaces.push(name);
    return name;
  };
  const backend = async (): Promise<TestDaemon> => {
    const stateDir = newStateDir();
    stateDirs.push(stateDir);
    const daemon = await startDaemon(stateDir);
    daemons.push(daemon);
    return daemon;
  };

  before(() => buildHookImage(IMAGE));
  after(async () => {
    for (const daemon of daemons) await daemon.stop();
    for (const name of workspaces) removeWorkspaceObjects(name);
    for (const dir of stateDirs) removeStateDir(dir);
    removeImage(IMAGE);
  });

  void it("labels everything with its owner, lists only its own, and never touches the other's build in progress", async () => {
    const a = await backend();
    const name = workspace('own');
    await createRunning(a, { name, image: IMAGE, pullPolicy: 'never' });
    const owner = labelOf('container', `drydock-${name}`, LABEL.owner);
    assert.match(owner, /^[0-9a-f]{16}$/);
    assert.equal(labelOf('volume', `drydock-${name}-home`, LABEL.owner), owner);

    // What a build of A's looks like midway on the engine: its `-next` container, labelled as A's.
    const next = `drydock-${name}-next`;
    const labels = [LABEL.managed, 'true', LABEL.workspace, name, LABEL.owner, owner];
    docker([
      'create',
      '--name',
      next,
      ...labels.flatMap((value, index) => (index % 2 === 0 ? ['--label', `${value}=${labels[index + 1] ?? ''}`] : [])),
      IMAGE,
      'true',
    ]);
    // B starts (a start reconciles and removes the leftovers of its own interrupted builds): A's is not its own.
    const b = await backend();
    assert.ok(!(await b.client.listWorkspaces()).some((view) => view.name === name), "B does not list A's workspace");
    assert.deepEqual(containersOf(name).sort(), [`drydock-${name}`, next].sort(), "B left A's build container alone");
    assert.equal((await a.workspace(name)).state, 'running');
    // A itself, restarted, knows the leftover is its own interrupted build and removes it.
    await a.stop();
    daemons.push(await startDaemon(a.stateDir));
    assert.deepEqual(containersOf(name), [`drydock-${name}`]);
  });

  void it("refuses a name another backend has, and cannot stop, rebuild or delete the other's workspace", async () => {
    const a = await backend();
    const b = await backend();
    const name = workspace('taken');
    await createRunning(a, { name, image: IMAGE, pullPolicy: 'never' });
    await assert.rejects(b.client.createWorkspace({ name, image: IMAGE, pullPolicy: 'never' }), (error: unknown) => {
      assert.ok(isDrydockError(error, 'conflict'), String(error));
      assert.match(error.message, /another Drydock backend/);
      assert.equal(error.field, 'name');
      return true;
    });
    assert.ok(!(await b.client.listWorkspaces()).some((view) => view.name === name), 'the refused create left nothing behind in B');
    await assert.rejects(b.client.stop(name), (error: unknown) => isDrydockError(error, 'not_found'));
    await assert.rejects(b.client.deleteWorkspace(name, { deleteHome: true }), (error: unknown) => isDrydockError(error, 'not_found'));
    assert.equal((await a.workspace(name)).state, 'running');
    assert.equal(docker(['inspect', '--format', '{{.State.Running}}', `drydock-${name}`]), 'true');
  });

  void it('adopts only its own workspaces, whole, after losing its state file, and a home-only one as off', async () => {
    const a = await backend();
    const b = await backend();
    const full = workspace('whole');
    const homeOnly = workspace('homeonly');
    const theirs = workspace('theirs');
    await createRunning(a, {
      name: full,
      image: IMAGE,
      pullPolicy: 'never',
      memory: '256m',
      cpus: 1,
      env: { GREETING: 'hello', API_TOKEN: 's3cr3t-value' },
      dotfiles: { url: 'https://token:x-oauth@example.invalid/me/dotfiles.git', branch: 'main' },
      hookTimeout: '5m',
    });
    dockerExec(`drydock-${full}`, 'echo precious > ~/work.txt');
    await a.client.createWorkspace({ name: homeOnly, image: IMAGE, pullPolicy: 'never', memory: '128m' }, { build: false });
    await createRunning(b, { name: theirs, image: IMAGE, pullPolicy: 'never' });
    const before = await a.workspace(full);

    // No secret value in any label.
    const labels = docker(['inspect', '--format', '{{json .Config.Labels}}', `drydock-${full}`]);
    assert.ok(!labels.includes('s3cr3t-value') && !labels.includes('x-oauth'), labels);

    const stateFile = resolveLocations({ DRYDOCK_STATE_DIR: a.stateDir }).stateFile;
    await a.stop();
    writeFileSync(stateFile, 'not json at all');
    const again = await startDaemon(a.stateDir);
    daemons.push(again);
    const listed = await again.client.listWorkspaces();
    assert.deepEqual(
      listed.map((view) => view.name).sort(),
      [full, homeOnly].sort(),
      `adopts its own two, never B's: ${JSON.stringify(listed.map((view) => view.name))}`,
    );
    const adopted = await again.workspace(full);
    assert.equal(adopted.state, 'running');
    assert.equal(adopted.memory, before.memory);
    assert.equal(adopted.cpus, 1);
    assert.deepEqual(adopted.env.sort(), ['API_TOKEN', 'GREETING']);
    assert.deepEqual(adopted.dotfiles, { url: 'https://example.invalid/me/dotfiles.git', branch: 'main' });
    assert.equal(adopted.lastBuild?.buildId, before.lastBuild?.buildId);
    assert.equal(adopted.lastBuild?.status, 'running');
    const off = await again.workspace(homeOnly);
    assert.equal(off.state, 'off');
    assert.equal(off.memory, '128m');
    // The adopted workspace keeps working: its env values came back from the container.
    const rebuilt = await again.client.rebuild(full);
    await again.waitForEvent(
      (event) =>
        event.type === 'workspace' &&
        event.workspace.name === full &&
        event.workspace.lastBuild?.buildId === rebuilt.buildId &&
        event.workspace.lastBuild.status !== 'building',
      60_000,
    );
    assert.equal(dockerExec(`drydock-${full}`, 'echo $API_TOKEN; cat ~/work.txt'), 's3cr3t-value\nprecious');
    assert.match(readFileSync(resolveLocations({ DRYDOCK_STATE_DIR: a.stateDir }).daemonLog, 'utf8'), /recovered workspaces from Docker/);
    assert.equal((await b.workspace(theirs)).state, 'running', "B's workspace was not touched");
  });
});
