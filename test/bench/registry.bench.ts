import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { WorkspaceLifecycle } from '../../src/backend/lifecycle/workspaceLifecycle';
import { parseWorkspaceSpec } from '../../src/core/spec';
import type { DockerAdapter } from '../../src/docker/adapter';
import { docker, removeWorkspaceObjects, TEST_OWNERSHIP } from '../support/docker';
import { authEntry, dockerConfig, TestRegistry } from '../support/registry';
import { buildTestImage, removeImage } from '../support/testImage';
import { report, sideBySide } from './measure';

const USER = 'bench';
const PASSWORD = 'bench-password';

/**
 * Pulling against a real registry (TLS, htpasswd) started here:
 * - a rebuild whose image is already current (policy always: a manifest
 *   check, no download) against one with `--pull never`: target at most 1.10x;
 * - a pull of a ~50 MB image through Drydock against `docker pull`, each
 *   from an engine without it (reported, no target).
 */
export async function benchRegistry(adapter: DockerAdapter, rounds: number): Promise<void> {
  const cannot = TestRegistry.cannotStart();
  if (cannot) {
    console.log(`\n## Registry pulls: NOT RUN (${cannot})`);
    return;
  }
  const registry = await TestRegistry.start({ [USER]: PASSWORD });
  const configDir = dockerConfig({ auths: { [registry.host]: authEntry(USER, PASSWORD) } });
  const savedConfig = process.env.DOCKER_CONFIG;
  process.env.DOCKER_CONFIG = configDir;
  const small = `${registry.host}/bench/dev:1`;
  const big = `${registry.host}/bench/big:1`;
  const name = 'bench-registry';
  try {
    buildTestImage('drydock-test/bench-registry:1');
    registry.push('drydock-test/bench-registry:1', small, USER, PASSWORD);
    // ~50 MB of incompressible text (random base64), so the layer is about that size on the wire too.
    buildTestImage('drydock-test/bench-big:1', { files: { '/data/blob': randomBytes(36 * 1024 * 1024).toString('base64') } });
    registry.push('drydock-test/bench-big:1', big, USER, PASSWORD);
    removeImage('drydock-test/bench-big:1');

    const lifecycle = new WorkspaceLifecycle(adapter, { ownership: TEST_OWNERSHIP, stopGraceSeconds: 10 });
    const spec = parseWorkspaceSpec({ name, image: small }, { cpus: 64 });
    let build = 0;
    const rebuild = (pull: 'always' | 'never') => async (): Promise<void> => {
      const result = await lifecycle.rebuild(spec, `bench-${++build}`, undefined, { pull });
      if (result.state !== 'running') throw result.error ?? new Error('rebuild failed');
    };
    const rebuilds = await sideBySide(rounds, [
      { label: 'rebuild, image current (manifest check)', run: rebuild('always') },
      { label: 'rebuild --pull never', run: rebuild('never') },
    ]);
    report('Rebuild: pull policy always (image already current) vs never', rebuilds, { max: 1.1 });

    const pushConfig = dockerConfig({ auths: { [registry.host]: authEntry(USER, PASSWORD) } });
    try {
      const pulls = await sideBySide(Math.min(rounds, 5), [
        {
          label: 'Drydock pull of a ~50 MB image',
          run: async () => {
            removeImage(big);
            await adapter.images.pull(big);
          },
        },
        {
          label: 'docker pull of the same image',
          run: () => {
            removeImage(big);
            docker(['--config', pushConfig, 'pull', '-q', big]);
          },
        },
      ]);
      report('Pull of a ~50 MB image from the local registry: Drydock vs docker pull', pulls);
    } finally {
      rmSync(pushConfig, { recursive: true, force: true });
    }
  } finally {
    if (savedConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = savedConfig;
    removeWorkspaceObjects(name);
    for (const reference of [small, big, 'drydock-test/bench-registry:1', 'drydock-test/bench-big:1']) removeImage(reference);
    await registry.stop();
    rmSync(configDir, { recursive: true, force: true });
  }
}
