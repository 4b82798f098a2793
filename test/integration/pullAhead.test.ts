/**
 * Updates pulled ahead, against a real registry (TLS, htpasswd) and a real
 * backend: an update the check sees is pulled in the background and the
 * rebuild then takes it without a single registry request (counted in the
 * registry's access log); the disk floor skips the pull and says why; a
 * rebuild during the background pull joins it (no layer fetched twice); and
 * after the rebuild the images Drydock pulled that nothing uses are removed,
 * while the user's own are not.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DaemonEvent, WorkspaceView } from '../../src/api/views';
import { CLI, waitFor } from '../support/cliSandbox';
import { newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { docker, dockerExec, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { authEntry, TestRegistry } from '../support/registry';
import { skipOutsideCI } from '../support/skips';
import { buildTestImage, removeImage } from '../support/testImage';

const USER = 'puller';
const PASSWORD = `pw-${randomBytes(4).toString('hex')}`;
const SOURCES = ['v1', 'v2', 'v3', 'v4'].map((version) => `drydock-test/ahead-src:${version}`);
/** Built here, never pushed nor pulled: the user's own, which Drydock must never remove. */
const USERS_OWN = 'drydock-test/ahead-users-own:1';
const cannot = TestRegistry.cannotStart();

void describe('updates pulled ahead (real registry and backend)', { skip: skipOutsideCI(cannot) }, () => {
  let registry: TestRegistry;
  let daemon: TestDaemon;
  let stateDir: string;
  let image: string;
  const configDir = mkdtempSync(join(tmpdir(), 'dd-dockercfg-'));
  const name = uniqueName('ahead');

  const writePolicy = async (policy: unknown, minFreeDisk: string): Promise<void> => {
    writeFileSync(join(stateDir, 'policy.json'), JSON.stringify(policy));
    await waitFor(
      `the backend to read minFreeDisk ${minFreeDisk}`,
      10_000,
      async () => (await daemon.client.policy()).policy.pullAhead.minFreeDisk === minFreeDisk,
    );
  };
  const rebuild = async (): Promise<{ view: WorkspaceView; log: string }> => {
    const started = await daemon.client.rebuild(name, {});
    const view = await waitFor(`build ${started.buildId} to end`, 120_000, async () => {
      const current = await daemon.workspace(name);
      return current.lastBuild?.buildId === started.buildId && current.lastBuild.status !== 'building' && current.state !== 'building' ? current : undefined;
    });
    assert.equal(view.state, 'running', view.lastBuild?.message);
    return { view, log: await daemon.client.buildLog(name, started.buildId) };
  };
  /** Pushes `source` as the workspace's tag, as if from elsewhere: the engine keeps its tag on what the workspace runs, and has nothing of the new one. */
  const pushUpdate = async (source: string): Promise<string> => {
    const digest = registry.push(source, image, USER, PASSWORD);
    docker(['tag', (await daemon.workspace(name)).imageId ?? '', image]);
    removeImage(source);
    removeImage(`${repository()}@${digest}`);
    return digest;
  };
  const pullAheadEvent = (status: string, digest: string) => (event: DaemonEvent) =>
    event.type === 'pull-ahead' && event.workspace === name && event.status === status && (status === 'ready' || event.digest === digest);
  /** The tag's repository, without the tag: `127.0.0.1:PORT/team/ahead`. */
  const repository = (): string => image.slice(0, image.lastIndexOf(':'));
  const cli = (args: string[]): string =>
    execFileSync(process.execPath, [CLI, ...args], { env: { ...process.env, DRYDOCK_STATE_DIR: stateDir }, encoding: 'utf8', stdio: 'pipe' });
  const imageExists = (id: string): boolean => {
    try {
      docker(['image', 'inspect', id]);
      return true;
    } catch {
      return false;
    }
  };

  before(async () => {
    registry = await TestRegistry.start({ [USER]: PASSWORD });
    image = `${registry.host}/team/ahead:1`;
    for (const [index, source] of SOURCES.entries()) {
      // v4 carries a ~40 MB layer, so its pull is still under way when a rebuild starts.
      const big: Record<string, string> = index === 3 ? { '/data/blob': randomBytes(30 * 1024 * 1024).toString('base64') } : {};
      buildTestImage(source, { files: { '/etc/drydock-version': `v${index + 1}\n`, ...big } });
    }
    buildTestImage(USERS_OWN);
    registry.push(SOURCES[0] ?? '', image, USER, PASSWORD);
    removeImage(image);
    removeImage(SOURCES[0] ?? '');
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ auths: { [registry.host]: authEntry(USER, PASSWORD) } }), { mode: 0o600 });
    stateDir = newStateDir();
    daemon = await startDaemon(stateDir, { DOCKER_CONFIG: configDir });
    await daemon.client.createWorkspace({ name, image }, { build: false });
    await rebuild();
  });

  after(async () => {
    await daemon?.stop();
    removeWorkspaceObjects(name);
    if (stateDir) removeStateDir(stateDir);
    await registry?.stop();
    for (const reference of [...SOURCES, USERS_OWN, ...(image ? [image] : [])]) removeImage(reference);
    // Versions left untagged under the repository (its registry's port is new each run, so it is this run's alone).
    if (image) for (const id of new Set(docker(['images', '-q', repository()]).split('\n').filter(Boolean))) removeImage(id);
    rmSync(configDir, { recursive: true, force: true });
  });

  void it('pulls an update in the background; the rebuild takes it with no registry request, then removes the unused image it pulled, not the user own', async () => {
    const v1 = (await daemon.workspace(name)).imageId ?? '';
    const digest = await pushUpdate(SOURCES[1] ?? '');
    const requestsAtCheck = registry.requests().length;
    const checked = await daemon.client.checkUpdate(name);
    assert.equal(checked.update?.available, true);
    const ready = await daemon.waitForEvent(pullAheadEvent('ready', digest), 60_000);
    assert.ok(ready.type === 'pull-ahead' && ready.digest === digest, JSON.stringify(ready));
    const downloaded = registry.requests().slice(requestsAtCheck);
    assert.ok(
      downloaded.some((line) => /"GET \S+\/blobs\/sha256:/.test(line)),
      `the background pull downloaded the layers: ${downloaded.join('\n')}`,
    );
    const view = await daemon.workspace(name);
    assert.equal(view.update?.ready, true, JSON.stringify(view.update));
    assert.match(
      cli(['ls'])
        .split('\n')
        .find((line) => line.startsWith(name)) ?? '',
      /running\s+\S+\s+ready\s/,
    );
    assert.match(cli(['status', name]), new RegExp(`Update: +ready: ${digest} is on the engine \\(pulled ahead\\)`));

    const requestsBefore = registry.requests().length;
    const { view: rebuilt, log } = await rebuild();
    assert.equal(registry.requests().length, requestsBefore, `no registry request: ${registry.requests().slice(requestsBefore).join('\n')}`);
    assert.equal(rebuilt.imageDigest, digest);
    assert.equal(dockerExec(`drydock-${name}`, 'cat /etc/drydock-version'), 'v2');
    assert.match(log, /Using the update the backend pulled ahead/);
    assert.doesNotMatch(log, /==> \[step\] Pull /);
    assert.equal(rebuilt.update?.available, false);

    // v1 came from a Drydock pull and nothing uses it now; the user's own image is unused too, but not Drydock's to remove.
    await waitFor('the unused pulled image to be removed', 20_000, () => !imageExists(v1));
    assert.ok(imageExists(USERS_OWN), "the user's own image is kept");
  });

  void it('skips the pull ahead below the disk floor and says why', async () => {
    await writePolicy({ pullAhead: { minFreeDisk: '1000t' } }, '1000t');
    const digest = await pushUpdate(SOURCES[2] ?? '');
    await daemon.client.checkUpdate(name);
    const skipped = await daemon.waitForEvent(pullAheadEvent('skipped', digest), 30_000);
    assert.ok(skipped.type === 'pull-ahead');
    assert.match(skipped.message, /not pulled ahead: the engine has [\d.]+ [KMGT]?B free at \S+, below the 1000\.0 TB floor \(policy pullAhead\.minFreeDisk\)/);
    const view = await daemon.workspace(name);
    assert.equal(view.update?.available, true);
    assert.equal(view.update?.ready, false);
    assert.equal(view.update?.pullAhead?.status, 'skipped');
    assert.match(cli(['status', name]), /Update: +available: .*not pulled ahead: the engine has .* below the 1000\.0 TB floor/);
    assert.ok(!imageExists(`${repository()}@${digest}`), 'nothing was pulled');
  });

  void it('joins the background pull when a rebuild starts during it: one download, progress visible', async () => {
    await writePolicy({}, '5g');
    const digest = await pushUpdate(SOURCES[3] ?? '');
    const requestsBefore = registry.requests().length;
    await daemon.client.checkUpdate(name);
    await daemon.waitForEvent(pullAheadEvent('pulling', digest), 30_000);
    const { view, log } = await rebuild();
    assert.match(log, /Joining the pull of .* already under way/);
    assert.equal(view.imageDigest, digest);
    assert.equal(dockerExec(`drydock-${name}`, 'cat /etc/drydock-version'), 'v4');
    const blobGets = registry
      .requests()
      .slice(requestsBefore)
      .flatMap((line) => /"GET \S+\/blobs\/(sha256:[0-9a-f]{64})/.exec(line)?.[1] ?? []);
    assert.ok(blobGets.length > 0, `the layers were downloaded: ${registry.requests().slice(requestsBefore).join('\n')}`);
    assert.deepEqual(blobGets, [...new Set(blobGets)], `no layer was downloaded twice: ${blobGets.join(', ')}`);
    const progress = daemon.events.filter((event) => event.type === 'pull-ahead' && event.status === 'pulling' && /MB of|KB of|B of/.test(event.message));
    assert.ok(progress.length > 0, 'the background pull reported its progress');
  });
});
