import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkspaceLifecycle } from '../../src/backend/lifecycle/workspaceLifecycle';
import { parseWorkspaceSpec } from '../../src/core/spec';
import { DockerAdapter } from '../../src/docker/adapter';
import { connectDocker } from '../../src/docker/connect';
import { nodeDiscoveryEnvironment } from '../../src/docker/discovery';
import { removeWorkspaceObjects, TEST_OWNERSHIP } from '../support/docker';
import { SshServer, sshHome } from '../support/sshServer';
import { report, sideBySide, summarize } from './measure';

/**
 * A rebuild over SSH: Drydock's engine with DOCKER_HOST=ssh://root@127.0.0.1:PORT
 * (a real sshd on loopback, the system's engine behind `docker system
 * dial-stdio`) against the docker CLI doing the same steps (rm -f; run -d
 * --init with the home volume; exec) with the same DOCKER_HOST, side by side.
 * The CLI runs OpenSSH's `ssh` with the same key and known_hosts (through a
 * wrapper first on its PATH, since ssh reads the passwd home's ~/.ssh, not
 * $HOME's).
 */
export async function benchRemoteRebuild(image: string, rounds: number): Promise<void> {
  const cannot = SshServer.cannotStart();
  if (cannot) {
    console.log(`\n## Rebuild over SSH: NOT MEASURED (${cannot})`);
    return;
  }
  const server = await SshServer.start();
  const home = sshHome(server, { alias: 'bench-remote', knownHosts: server.knownHostsLine });
  const wrapperDir = mkdtempSync(join(tmpdir(), 'ssh-wrapper-'));
  const name = 'bench-remote';
  const raw = 'drydock-bench-remote-raw';
  // The same address for both: the ~/.ssh/config alias (its HostName, Port, User, IdentityFile).
  const host = 'ssh://bench-remote';
  let connection: Awaited<ReturnType<typeof connectDocker>> | undefined;
  try {
    writeFileSync(
      join(wrapperDir, 'ssh'),
      `#!/bin/sh\nexec /usr/bin/ssh -F ${join(home, '.ssh', 'config')} -o UserKnownHostsFile=${join(home, '.ssh', 'known_hosts')} -o IdentitiesOnly=yes -i ${join(home, '.ssh', 'drydock_test_key')} "$@"\n`,
    );
    chmodSync(join(wrapperDir, 'ssh'), 0o755);
    const cliEnv = { ...process.env, DOCKER_HOST: host, PATH: `${wrapperDir}:${process.env.PATH ?? ''}`, SSH_AUTH_SOCK: '' };
    const cli = (args: string[]): string => execFileSync('docker', args, { env: cliEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

    connection = await connectDocker({ ...nodeDiscoveryEnvironment(), homeDir: home, env: { PATH: process.env.PATH, DOCKER_HOST: host, USER: 'root' } });
    const adapter = new DockerAdapter(connection.docker, connection.endpoint.description, false);
    const lifecycle = new WorkspaceLifecycle(adapter, { ownership: TEST_OWNERSHIP, stopGraceSeconds: 10 });
    const spec = parseWorkspaceSpec({ name, image, pullPolicy: 'missing' }, { cpus: 64 });
    let build = 0;
    const samples = await sideBySide(rounds, [
      {
        label: 'drydock rebuild over ssh:// (+ exec true)',
        run: async () => {
          const result = await lifecycle.rebuild(spec, `bench-remote-${++build}`);
          if (result.state !== 'running') throw result.error ?? new Error('rebuild failed');
          await adapter.containers.exec(result.containerId!, ['true']);
        },
      },
      {
        label: 'docker CLI over the same ssh:// (rm; run; exec)',
        run: () => {
          cli(['rm', '-f', raw]);
          cli(['run', '-d', '--init', '--name', raw, '-u', '1000:1000', '-w', '/home/dev', '-v', `${raw}-home:/home/dev`, image, 'sleep', '86400']);
          cli(['exec', raw, 'true']);
        },
      },
    ]);
    report('Rebuild over SSH: Drydock engine vs docker CLI, same DOCKER_HOST=ssh://', samples, { max: 1.0, goal: 0.7 });
    summarize('Rebuild over SSH (loopback sshd) vs docker CLI', samples, { max: 1.0, goal: 0.7 });
  } finally {
    connection?.close();
    removeWorkspaceObjects(name);
    execFileSync('docker', ['rm', '-f', raw], { stdio: 'ignore' });
    execFileSync('docker', ['volume', 'rm', '-f', `${raw}-home`], { stdio: 'ignore' });
    server.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(wrapperDir, { recursive: true, force: true });
  }
}
