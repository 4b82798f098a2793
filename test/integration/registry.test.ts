/**
 * Images from a real registry: Debian's docker-registry with TLS (a CA made
 * here, trusted through /etc/docker/certs.d) and htpasswd users, images
 * pushed with the docker CLI, and a real backend that finds credentials the
 * way the docker CLI does (DOCKER_CONFIG: auths, credHelpers with a helper
 * script on PATH). Each failure leaves the running workspace running.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkspaceView } from '../../src/api/views';
import { CLI, waitFor } from '../support/cliSandbox';
import { newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { docker, dockerExec, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { authEntry, TestRegistry } from '../support/registry';
import { skipOutsideCI } from '../support/skips';
import { buildTestImage, removeImage } from '../support/testImage';

const USER = 'alice';
const PASSWORD = `pw-${Date.now().toString(36)}-s3cret`;
const V1 = 'drydock-test/registry-src:1';
const V2 = 'drydock-test/registry-src:2';
const BIG = 'drydock-test/registry-big:1';
/** Built here and never pushed. */
const LOCAL = 'drydock-test/registry-local:1';
const cannot = TestRegistry.cannotStart();

void describe('images from a real registry (TLS, htpasswd)', { skip: skipOutsideCI(cannot) }, () => {
  let registry: TestRegistry;
  let daemon: TestDaemon;
  let stateDir: string;
  const configDir = mkdtempSync(join(tmpdir(), 'dd-dockercfg-'));
  const helperDir = mkdtempSync(join(tmpdir(), 'dd-helper-'));
  const names: string[] = [];
  let image: string;
  let digestV1: string;
  let digestV2: string;
  let workspace: string;

  const writeConfig = (config: unknown): void => writeFileSync(join(configDir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  const forgetLocal = (reference: string): void => {
    docker(['rmi', '-f', reference]);
  };
  const build = async (name: string, pull?: 'always' | 'missing' | 'never'): Promise<WorkspaceView> => {
    const started = await daemon.client.rebuild(name, {}, pull);
    return waitFor(`build ${started.buildId} of ${name} to end`, 120_000, async () => {
      const view = await daemon.workspace(name);
      return view.lastBuild?.buildId === started.buildId && view.lastBuild.status !== 'building' && view.state !== 'building' ? view : undefined;
    });
  };
  const buildLog = async (name: string, view: WorkspaceView): Promise<string> => daemon.client.buildLog(name, view.lastBuild?.buildId ?? '');
  const containerId = (name: string): string => docker(['inspect', '-f', '{{.Id}}', `drydock-${name}`]);
  /** `drydock ARGS...` against this test's backend; on a terminal (a pseudo-terminal from script(1)) when `tty`. */
  const cli = (args: string[], tty = false): string => {
    const env = { ...process.env, DRYDOCK_STATE_DIR: stateDir, DOCKER_CONFIG: configDir };
    const command = [process.execPath, CLI, ...args];
    return tty
      ? execFileSync('script', ['-qec', command.map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' '), '/dev/null'], {
          env,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : execFileSync(command[0] ?? '', command.slice(1), { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };

  before(async () => {
    registry = await TestRegistry.start({ [USER]: PASSWORD, bob: 'other-password' });
    image = `${registry.host}/team/dev:1`;
    buildTestImage(V1, { files: { '/etc/drydock-version': 'v1\n' } });
    buildTestImage(V2, { files: { '/etc/drydock-version': 'v2\n' } });
    digestV1 = registry.push(V1, image, USER, PASSWORD);
    // Nothing of v1 stays on the engine, so the first pull downloads its layers.
    forgetLocal(image);
    forgetLocal(V1);
    // A helper as Docker Desktop's would be: JSON over stdin/stdout, on PATH as docker-credential-NAME.
    writeFileSync(
      join(helperDir, 'docker-credential-drytest'),
      [
        '#!/bin/sh',
        'read server',
        `if [ "$server" = "${registry.host}" ]; then`,
        `  printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"`,
        'else',
        '  echo "credentials not found in native keychain"; exit 1',
        'fi',
        '',
      ].join('\n'),
    );
    chmodSync(join(helperDir, 'docker-credential-drytest'), 0o755);
    writeConfig({ auths: { [registry.host]: authEntry(USER, PASSWORD) } });
    stateDir = newStateDir();
    // These tests look at a moved tag before anything takes it; pulling updates ahead is pullAhead.test.ts's.
    writeFileSync(join(stateDir, 'policy.json'), JSON.stringify({ pullAhead: { enabled: false } }));
    daemon = await startDaemon(stateDir, { DOCKER_CONFIG: configDir, PATH: `${helperDir}:${process.env.PATH ?? ''}` });
  });

  after(async () => {
    await daemon?.stop();
    for (const name of names) removeWorkspaceObjects(name);
    if (stateDir) removeStateDir(stateDir);
    await registry?.stop();
    for (const reference of [V1, V2, LOCAL, BIG, ...(image ? [image, `${registry.host}/team/dev@${digestV1}`] : [])]) removeImage(reference);
    rmSync(configDir, { recursive: true, force: true });
    rmSync(helperDir, { recursive: true, force: true });
  });

  void it('pulls a tag with the password from config.json auths, in a titled step, and records its digest', async () => {
    workspace = uniqueName('reg');
    names.push(workspace);
    const created = await daemon.client.createWorkspace({ name: workspace, image }, { build: true });
    const view = await waitFor('the first build to end', 120_000, async () => {
      const current = await daemon.workspace(workspace);
      return current.lastBuild?.buildId === created.buildId && current.lastBuild?.status !== 'building' ? current : undefined;
    });
    assert.equal(view.state, 'running', view.lastBuild?.message);
    assert.equal(view.imageDigest, digestV1);
    assert.equal(view.lastBuild?.imageDigest, digestV1);
    assert.equal(view.update?.available, false, 'a fresh pull is the latest');
    assert.equal(dockerExec(`drydock-${workspace}`, 'cat /etc/drydock-version'), 'v1');
    const log = await buildLog(workspace, view);
    assert.match(log, new RegExp(`==> \\[step\\] Pull ${escape(image)}`));
    assert.match(log, /layer [0-9a-f]{12}: (done|already on the engine)/);
    assert.match(log, new RegExp(`${escape(image)} @ ${digestV1}`));
  });

  void it('pulls with a per-registry credential helper (credHelpers) found on PATH; off a terminal the CLI prints plain lines only', async () => {
    writeConfig({ credHelpers: { [registry.host]: 'drytest' } });
    forgetLocal(image);
    const out = cli(['rebuild', workspace, '--yes']);
    assert.match(out, new RegExp(`==> Pull ${escape(image)}`));
    assert.ok(!out.includes('\x1b') && !out.includes('\r'), 'no live line off a terminal');
    assert.doesNotMatch(out, /MB, \d+ of \d+ layers done/, 'progress entries are left out off a terminal');
    const view = await daemon.workspace(workspace);
    assert.equal(view.state, 'running', view.lastBuild?.message);
    assert.equal(view.imageDigest, digestV1);
  });

  void it('fails a build with a wrong password, says which registry and to docker login, and leaves the workspace running', async () => {
    const before = containerId(workspace);
    writeConfig({ auths: { [registry.host]: authEntry(USER, 'wrong-password') } });
    const view = await build(workspace);
    assert.equal(view.lastBuild?.status, 'failed');
    assert.match(view.lastBuild?.message ?? '', new RegExp(`registry ${escape(registry.host)} refused the credentials`));
    assert.match(view.lastBuild?.message ?? '', new RegExp(`docker login ${escape(registry.host)}`));
    assert.doesNotMatch(view.lastBuild?.message ?? '', /wrong-password/);
    assert.equal(view.state, 'running');
    assert.equal(containerId(workspace), before, 'the old container was not touched');
    assert.equal(docker(['inspect', '-f', '{{.State.Running}}', `drydock-${workspace}`]), 'true');
  });

  void it('fails a build while the registry is down, saying so, and leaves the workspace running', async () => {
    writeConfig({ auths: { [registry.host]: authEntry(USER, PASSWORD) } });
    const before = containerId(workspace);
    await registry.down();
    try {
      const view = await build(workspace);
      assert.equal(view.lastBuild?.status, 'failed');
      assert.match(view.lastBuild?.message ?? '', new RegExp(`registry ${escape(registry.host)} cannot be reached`));
      assert.equal(view.state, 'running');
      assert.equal(containerId(workspace), before);
      // An update check says why it could not be made, and claims nothing.
      const checked = await daemon.client.checkUpdate(workspace);
      assert.match(checked.update?.error ?? '', /cannot be reached/);
      assert.equal(checked.update?.available, false);
    } finally {
      await registry.up();
    }
  });

  void it('sees a moved tag as an update (HEAD only), keeps the local image with --pull never, and takes v2 on rebuild', async () => {
    digestV2 = registry.push(V2, image, USER, PASSWORD);
    assert.notEqual(digestV2, digestV1);
    // The push retagged the engine's copy to v2; put it back on v1 (the image the workspace runs), as if v2 were pushed from elsewhere.
    docker(['tag', (await daemon.workspace(workspace)).imageId ?? '', image]);
    // Nothing of v2 on the engine (its tag, and the digest reference the push left), so the rebuild below downloads it.
    forgetLocal(V2);
    forgetLocal(`${registry.host}/team/dev@${digestV2}`);
    const checked = await daemon.client.checkUpdate(workspace);
    assert.equal(checked.update?.available, true, JSON.stringify(checked.update));
    assert.equal(checked.update?.latestDigest, digestV2);
    const listed = await daemon.client.listWorkspaces();
    assert.equal(listed.find((each) => each.name === workspace)?.update?.available, true);
    const row =
      cli(['ls'])
        .split('\n')
        .find((line) => line.startsWith(workspace)) ?? '';
    assert.match(row, /running\s+\S+\s+available\s/, `ls shows the update: ${row}`);
    const status = cli(['status', workspace]);
    assert.match(status, new RegExp(`Image: +${escape(image)} @ ${digestV1}`));
    assert.match(status, new RegExp(`Update: +available: the tag now points at ${digestV2}`));

    const kept = await build(workspace, 'never');
    assert.equal(kept.state, 'running', kept.lastBuild?.message);
    assert.equal(dockerExec(`drydock-${workspace}`, 'cat /etc/drydock-version'), 'v1', '--pull never keeps the local image');
    assert.doesNotMatch(await buildLog(workspace, kept), /==> \[step\] Pull /);

    // Through the CLI on a terminal: the pull's progress is one live line, rewritten in place and cleared.
    const live = cli(['rebuild', workspace, '--yes'], true);
    assert.match(live, new RegExp(`\r\x1b\\[2KPulling ${escape(image)}: [\\d.]+ MB of [\\d.]+ MB, \\d+ of \\d+ layers done`));
    assert.match(live, /=== build running/);
    const updated = await daemon.workspace(workspace);
    assert.equal(updated.state, 'running', updated.lastBuild?.message);
    assert.equal(updated.imageDigest, digestV2);
    assert.equal(updated.update?.available, false, 'the update is gone once rebuilt');
    assert.equal(dockerExec(`drydock-${workspace}`, 'cat /etc/drydock-version'), 'v2');
    assert.equal((await daemon.client.checkUpdate(workspace)).update?.available, false);
  });

  void it('cancels a rebuild during its pull and leaves the workspace as it was', async () => {
    // Big enough (~30 MB) that the pull is still running when the cancel arrives.
    const big = `${registry.host}/team/big:1`;
    buildTestImage(BIG, { files: { '/data/blob': randomBytes(22 * 1024 * 1024).toString('base64') } });
    registry.push(BIG, big, USER, PASSWORD);
    forgetLocal(big);
    forgetLocal(BIG);
    const before = containerId(workspace);
    const started = await daemon.client.rebuild(workspace, { image: big });
    await daemon.waitForEvent(
      (event) => event.type === 'build-log' && event.buildId === started.buildId && event.entry.kind === 'step-start' && event.entry.text.startsWith('Pull '),
      30_000,
    );
    assert.deepEqual(await daemon.client.cancelBuild(workspace), { cancelled: true });
    const view = await waitFor('the cancelled build to end', 60_000, async () => {
      const current = await daemon.workspace(workspace);
      return current.lastBuild?.buildId === started.buildId && current.lastBuild.status !== 'building' ? current : undefined;
    });
    assert.equal(view.lastBuild?.status, 'interrupted', view.lastBuild?.message);
    assert.match(view.lastBuild?.message ?? '', /cancelled; nothing was changed/);
    assert.equal(view.state, 'running');
    assert.equal(view.image, image, 'the spec change of a cancelled build is not kept');
    assert.equal(containerId(workspace), before);
    assert.equal(dockerExec(`drydock-${workspace}`, 'cat /etc/drydock-version'), 'v2');
    await assert.rejects(daemon.client.cancelBuild(workspace), /not building/);
    removeImage(big);
  });

  void it('pulls a digest-pinned reference only when it is missing', async () => {
    const pinned = `${registry.host}/team/dev@${digestV1}`;
    const name = uniqueName('regpin');
    names.push(name);
    removeImage(pinned);
    await daemon.client.createWorkspace({ name, image: pinned, pullPolicy: 'always' }, { build: false });
    const first = await build(name);
    assert.equal(first.state, 'running', first.lastBuild?.message);
    assert.equal(first.imageDigest, digestV1);
    assert.match(await buildLog(name, first), /==> \[step\] Pull /);
    assert.equal(dockerExec(`drydock-${name}`, 'cat /etc/drydock-version'), 'v1');
    const second = await build(name);
    assert.equal(second.state, 'running');
    assert.doesNotMatch(await buildLog(name, second), /==> \[step\] Pull /, 'the pinned digest is on the engine: no pull');
  });

  void it('offers the engine local images, newest first, marking those from a registry', async () => {
    buildTestImage(LOCAL);
    const images = await daemon.client.images();
    const fromRegistry = images.find((each) => each.reference === image);
    assert.ok(fromRegistry, `${image} is listed`);
    assert.equal(fromRegistry.fromRegistry, true);
    assert.equal(images.find((each) => each.reference === LOCAL)?.fromRegistry, false, 'a tag made here did not come from a registry');
    assert.equal(images[0]?.reference, LOCAL, 'the newest first');
    const times = images.map((each) => each.createdAt);
    assert.deepEqual(times, [...times].sort().reverse());
  });

  void it('never writes the registry password to the state file, the daemon log or a build log', async () => {
    await daemon.stop();
    const files = [join(stateDir, 'state.json'), join(stateDir, 'daemon.log')];
    for (const name of names) {
      const dir = join(stateDir, 'logs', name);
      for (const file of readdirSync(dir)) files.push(join(dir, file));
    }
    for (const file of files) assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(escape(PASSWORD)), file);
    assert.ok(files.length > 5);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
