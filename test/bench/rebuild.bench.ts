import { parseWorkspaceSpec } from '../../src/core/spec';
import type { DockerAdapter } from '../../src/docker/adapter';
import { WorkspaceLifecycle } from '../../src/backend/lifecycle/workspaceLifecycle';
import { docker, removeWorkspaceObjects, TEST_OWNERSHIP } from '../support/docker';
import { report, sideBySide, summarize } from './measure';

/**
 * A rebuild through Drydock's engine against the raw docker CLI sequence a
 * user would otherwise type (rm -f; run -d --init with the home volume; exec),
 * same image, same steps, measured side by side.
 */
export async function benchRebuild(adapter: DockerAdapter, image: string, rounds: number): Promise<void> {
  const lifecycle = new WorkspaceLifecycle(adapter, { ownership: TEST_OWNERSHIP, stopGraceSeconds: 10 });
  const name = 'bench-rebuild';
  const raw = 'drydock-bench-raw';
  const spec = parseWorkspaceSpec({ name, image, pullPolicy: 'missing' }, { cpus: 64 });
  let build = 0;
  try {
    const samples = await sideBySide(rounds, [
      {
        label: 'drydock rebuild (+ exec true)',
        run: async () => {
          const result = await lifecycle.rebuild(spec, `bench-${++build}`);
          if (result.state !== 'running') throw result.error ?? new Error('rebuild failed');
          await adapter.containers.exec(result.containerId!, ['true']);
        },
      },
      {
        label: 'raw docker CLI (rm -f; run -d --init; exec)',
        run: () => {
          docker(['rm', '-f', raw]);
          docker([
            'run',
            '-d',
            '--init',
            '--name',
            raw,
            '-u',
            '1000:1000',
            '-w',
            '/home/dev',
            '-v',
            `${raw}-home:/home/dev`,
            '--label',
            'dev.drydock.workspace=bench-raw',
            image,
            'sleep',
            '86400',
          ]);
          docker(['exec', raw, 'true']);
        },
      },
    ]);
    report('Rebuild: Drydock engine vs raw docker CLI', samples, { max: 1.0, goal: 0.8 });
    summarize('Rebuild in the backend (engine) vs raw docker CLI', samples, { max: 1.0, goal: 0.8 });
  } finally {
    removeWorkspaceObjects(name);
    removeWorkspaceObjects('bench-raw');
    docker(['rm', '-f', raw]);
    docker(['volume', 'rm', '-f', `${raw}-home`]);
  }
}
