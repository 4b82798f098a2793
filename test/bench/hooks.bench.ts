import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWorkspaceSpec } from '../../src/core/spec';
import type { DockerAdapter } from '../../src/docker/adapter';
import { silentReporter } from '../../src/backend/lifecycle/buildReporter';
import { DotfilesCache } from '../../src/backend/hooks/dotfilesCache';
import { BuildHooks } from '../../src/backend/hooks/hookStage';
import { WorkspaceLifecycle } from '../../src/backend/lifecycle/workspaceLifecycle';
import { TEST_USERS } from '../support/testImage';
import { docker, removeWorkspaceObjects, TEST_OWNERSHIP } from '../support/docker';
import { report, sideBySide } from './measure';

/**
 * The hook stage (secrets, configure, dotfiles + install, personalize)
 * through Drydock against the same work by hand with the docker CLI and git,
 * in one running container each, side by side.
 */
export async function benchHooks(adapter: DockerAdapter, image: string, rounds: number): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'drydock-bench-hooks-'));
  const name = 'bench-hooks';
  const raw = 'drydock-bench-hooks-raw';
  try {
    writeFileSync(join(scratch, 'id_bench'), 'PRIVATE KEY\n', { mode: 0o600 });
    writeFileSync(join(scratch, 'id_bench.pub'), 'ssh-ed25519 AAAA bench\n');
    writeFileSync(join(scratch, 'token'), 'token\n');
    const repo = join(scratch, 'dotfiles');
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', cwd: scratch });
    git('init', '-q', '--initial-branch=main', repo);
    writeFileSync(join(repo, 'install.sh'), '#!/bin/sh\necho installed > "$HOME/.installed"\n');
    chmodSync(join(repo, 'install.sh'), 0o755);
    writeFileSync(join(repo, '.vimrc'), 'set number\n');
    git('-C', repo, '-c', 'user.email=b@b', '-c', 'user.name=b', 'add', '.');
    git('-C', repo, '-c', 'user.email=b@b', '-c', 'user.name=b', 'commit', '-q', '-m', 'dotfiles');

    const spec = parseWorkspaceSpec(
      {
        name,
        image,
        pullPolicy: 'missing',
        sshKey: join(scratch, 'id_bench'),
        secrets: [{ source: join(scratch, 'token'), target: '.config/tool/token' }],
        dotfiles: { url: repo },
      },
      { cpus: 64 },
    );
    const lifecycle = new WorkspaceLifecycle(adapter, { ownership: TEST_OWNERSHIP, stopGraceSeconds: 1 });
    const built = await lifecycle.rebuild(spec, 'bench-hooks');
    if (!built.containerId) throw built.error ?? new Error('no container');
    const containerId = built.containerId;
    const hooks = new BuildHooks(new DotfilesCache(join(scratch, 'cache')));
    const user = { name: 'dev', ...TEST_USERS.dev, home: '/home/dev', shell: '/bin/sh' };
    const personalize = '#!/bin/sh\necho personalized > "$HOME/.personalized"\n';

    docker(['run', '-d', '--init', '--name', raw, '-u', '1000:1000', '-w', '/home/dev', '-v', `${raw}-home:/home/dev`, image, 'sleep', '86400']);
    docker(['exec', '-u', '0', raw, 'chown', '1000:1000', '/home/dev']);
    for (const container of [containerId, raw]) {
      docker(['exec', container, 'sh', '-c', `printf '${personalize.replace(/\n/g, '\\n')}' > ~/personalize && chmod +x ~/personalize`]);
    }
    const rawCheckout = join(scratch, 'raw-checkout');
    git('clone', '-q', repo, rawCheckout);

    const samples = await sideBySide(rounds, [
      {
        label: 'drydock hooks',
        run: async () => {
          const result = await hooks.run({ spec, buildId: 'bench', containerId, user, home: '/home/dev', docker: adapter, reporter: silentReporter });
          if (result.warnings.length > 0) throw new Error(result.warnings.join('; '));
        },
      },
      {
        label: 'raw docker cp/exec + git',
        run: () => {
          // Secrets: copy, then fix owner and modes.
          docker(['exec', raw, 'mkdir', '-p', '/home/dev/.ssh', '/home/dev/.config/tool']);
          docker(['cp', join(scratch, 'id_bench'), `${raw}:/home/dev/.ssh/id_bench`]);
          docker(['cp', join(scratch, 'id_bench.pub'), `${raw}:/home/dev/.ssh/id_bench.pub`]);
          docker(['cp', join(scratch, 'token'), `${raw}:/home/dev/.config/tool/token`]);
          docker([
            'exec',
            '-u',
            '0',
            raw,
            'sh',
            '-c',
            'cd /home/dev && chown -R 1000:1000 .ssh .config && chmod 700 .ssh && chmod 600 .ssh/id_bench .config/tool/token',
          ]);
          // Configure (absent in this image, as in Drydock's run: a test for it).
          docker(['exec', raw, 'sh', '-c', '[ -x /coder/configure ] && /coder/configure || true']);
          // Dotfiles: update on the host, replace the copy, run install.sh.
          git('-C', rawCheckout, 'fetch', '-q', 'origin', 'HEAD');
          git('-C', rawCheckout, 'reset', '-q', '--hard', 'FETCH_HEAD');
          docker(['exec', raw, 'rm', '-rf', '/home/dev/dotfiles']);
          docker(['cp', rawCheckout, `${raw}:/home/dev/dotfiles`]);
          docker(['exec', '-u', '0', raw, 'chown', '-R', '1000:1000', '/home/dev/dotfiles']);
          docker(['exec', '-w', '/home/dev/dotfiles', raw, './install.sh']);
          // Personalize.
          docker(['exec', raw, '/home/dev/personalize']);
        },
      },
    ]);
    report('Hook stage: Drydock vs raw docker cp/exec + git', samples, { max: 1.0 });
  } finally {
    removeWorkspaceObjects(name);
    docker(['rm', '-f', raw]);
    docker(['volume', 'rm', '-f', `${raw}-home`]);
    rmSync(scratch, { recursive: true, force: true });
  }
}
