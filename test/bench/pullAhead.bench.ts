import { rmSync } from 'node:fs';
import { removeStateDir, newStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { docker, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { authEntry, dockerConfig, TestRegistry } from '../support/registry';
import { buildTestImage, removeImage } from '../support/testImage';
import { report, summarize, time, type Sample } from './measure';

const USER = 'bench';
const PASSWORD = 'bench-password';

/**
 * Updates pulled ahead, against a real registry and backend: a rebuild when
 * an update is ready (pulled ahead in the background after an update check)
 * against a rebuild when there is no update (the tag is current: one manifest
 * check). Paired in each round, the order alternating; the update's push,
 * check and background pull happen outside the timed part. Target: at most 1.05x.
 */
export async function benchPullAhead(rounds: number): Promise<void> {
  const cannot = TestRegistry.cannotStart();
  if (cannot) {
    console.log(`\n## Rebuild with an update pulled ahead: NOT RUN (${cannot})`);
    return;
  }
  const registry = await TestRegistry.start({ [USER]: PASSWORD });
  const configDir = dockerConfig({ auths: { [registry.host]: authEntry(USER, PASSWORD) } });
  const image = `${registry.host}/bench/ahead:1`;
  const repository = image.slice(0, image.lastIndexOf(':'));
  const name = uniqueName('bench-ahead');
  const stateDir = newStateDir();
  let daemon: TestDaemon | undefined;
  try {
    buildTestImage('drydock-test/bench-ahead:0', { files: { '/etc/version': '0\n' } });
    registry.push('drydock-test/bench-ahead:0', image, USER, PASSWORD);
    removeImage('drydock-test/bench-ahead:0');
    daemon = await startDaemon(stateDir, { DOCKER_CONFIG: configDir });
    const backend = daemon;
    await backend.client.createWorkspace({ name, image }, { build: false });
    const rebuild = async (): Promise<void> => {
      const started = await backend.client.rebuild(name, {});
      const ended = await backend.waitForEvent(
        (event) => event.type === 'workspace' && event.workspace.lastBuild?.buildId === started.buildId && event.workspace.lastBuild.status !== 'building',
        120_000,
      );
      if (ended.type === 'workspace' && ended.workspace.lastBuild?.status !== 'running')
        throw new Error(`rebuild failed: ${ended.workspace.lastBuild?.message ?? ''}`);
    };
    let version = 0;
    /** Untimed: a new version pushed from elsewhere, seen by a check, pulled ahead until ready. */
    const prepareUpdate = async (): Promise<void> => {
      const source = `drydock-test/bench-ahead:${++version}`;
      buildTestImage(source, { files: { '/etc/version': `${version}\n` } });
      const digest = registry.push(source, image, USER, PASSWORD);
      docker(['tag', (await backend.workspace(name)).imageId ?? '', image]);
      removeImage(source);
      removeImage(`${repository}@${digest}`);
      await backend.client.checkUpdate(name);
      await backend.waitForEvent(
        (event) => event.type === 'pull-ahead' && event.workspace === name && event.status === 'ready' && event.digest === digest,
        60_000,
      );
      const view = await backend.workspace(name);
      if (!view.update?.ready) throw new Error(`the update is not ready: ${JSON.stringify(view.update)}`);
    };
    await rebuild();
    await prepareUpdate();
    await rebuild();
    const ready: Sample = { label: 'rebuild, update ready (pulled ahead)', runsMs: [] };
    const current: Sample = { label: 'rebuild, no update (manifest check)', runsMs: [] };
    for (let round = 0; round < rounds; round++) {
      const withUpdate = async (): Promise<void> => {
        await prepareUpdate();
        ready.runsMs.push(await time(rebuild));
      };
      const without = async (): Promise<void> => {
        current.runsMs.push(await time(rebuild));
      };
      if (round % 2 === 0) {
        await withUpdate();
        await without();
      } else {
        await without();
        await withUpdate();
      }
    }
    report('Rebuild with an update pulled ahead vs with no update', [ready, current], { max: 1.05 });
    summarize('Rebuild, update pulled ahead vs no update', [ready, current], { max: 1.05 });
  } finally {
    await daemon?.stop();
    removeWorkspaceObjects(name);
    removeStateDir(stateDir);
    // Every version pulled ahead, tagged or not: the registry's port is new each run, so nothing else shares the repository.
    for (const id of new Set(docker(['images', '-q', repository]).split('\n').filter(Boolean))) removeImage(id);
    await registry.stop();
    rmSync(configDir, { recursive: true, force: true });
  }
}
