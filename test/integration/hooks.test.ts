import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleGit } from 'simple-git';
import { isDrydockError } from '../../src/core/errors';
import { parseWorkspaceSpec } from '../../src/core/spec';
import type { BuildLog, BuildLogEntry } from '../../src/backend/builds/buildLog';
import { BuildRunner, type FinishedBuild } from '../../src/backend/builds/buildRunner';
import { BuildLogStore } from '../../src/backend/builds/logStore';
import { DotfilesCache } from '../../src/backend/hooks/dotfilesCache';
import { BuildHooks } from '../../src/backend/hooks/hookStage';
import { WorkspaceLifecycle } from '../../src/backend/lifecycle/workspaceLifecycle';
import { connect, docker, dockerExec, removeWorkspaceObjects, TEST_OWNERSHIP, uniqueName } from '../support/docker';
import { ROOT_ONLY_KNOWN_HOST, buildHookImage, buildImageWithUnexecutableConfigure } from '../support/hookImage';
import { buildTestImage, removeImage } from '../support/testImage';

/** A build's end, with the log it wrote. */
type Built = FinishedBuild & { log: BuildLog };

const IMAGE = 'drydock-test/hooks:1';
const PLAIN_IMAGE = 'drydock-test/hooks-plain:1';
const BAD_CONFIGURE_IMAGE = 'drydock-test/hooks-noexec:1';

void describe('build hooks on a real Docker engine', () => {
  let runner: BuildRunner;
  let scratch: string;
  let cache: DotfilesCache;
  const workspaces: string[] = [];

  const build = async (name: string, input: Record<string, unknown> = {}): Promise<Built> => {
    const spec = parseWorkspaceSpec({ name, image: IMAGE, pullPolicy: 'never', ...input }, { cpus: 64 });
    const handle = runner.start(spec);
    return { ...(await handle.finished), log: handle.log };
  };
  const workspace = (prefix: string): string => {
    const name = uniqueName(prefix);
    workspaces.push(name);
    return name;
  };
  const logOf = (finished: Built): string => readFileSync(finished.log.file, 'utf8');
  const running = (finished: Built): Built => {
    assert.equal(finished.outcome?.state, 'running', finished.error?.message ?? logOf(finished));
    return finished;
  };

  /** A git repository made here with simple-git, as a user's dotfiles would be. */
  const makeRepo = async (
    files: Record<string, string | { content: string; mode: number }>,
    branches: Record<string, Record<string, string>> = {},
  ): Promise<string> => {
    const directory = mkdtempSync(join(scratch, 'repo-'));
    const git = simpleGit(directory);
    await git.init(['--initial-branch=main']);
    await git.addConfig('user.email', 'test@example.com').addConfig('user.name', 'Test');
    const write = (path: string, file: string | { content: string; mode: number }): void => {
      mkdirSync(join(directory, path, '..'), { recursive: true });
      writeFileSync(join(directory, path), typeof file === 'string' ? file : file.content);
      chmodSync(join(directory, path), typeof file === 'string' ? 0o644 : file.mode);
    };
    for (const [path, file] of Object.entries(files)) write(path, file);
    await git.add('.').commit('dotfiles');
    for (const [branch, branchFiles] of Object.entries(branches)) {
      await git.checkoutLocalBranch(branch);
      for (const [path, content] of Object.entries(branchFiles)) write(path, { content, mode: 0o755 });
      await git.add('.').commit(`on ${branch}`);
      await git.checkout('main');
    }
    return directory;
  };

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'drydock-hooks-'));
    buildHookImage(IMAGE);
    buildTestImage(PLAIN_IMAGE);
    buildImageWithUnexecutableConfigure(BAD_CONFIGURE_IMAGE);
    cache = new DotfilesCache(join(scratch, 'dotfiles-cache'));
    const lifecycle = new WorkspaceLifecycle(await connect(), { ownership: TEST_OWNERSHIP, stopGraceSeconds: 1, hooks: new BuildHooks(cache) });
    runner = new BuildRunner(lifecycle, new BuildLogStore(join(scratch, 'logs')));
  });

  after(() => {
    for (const name of workspaces) removeWorkspaceObjects(name);
    for (const image of [IMAGE, PLAIN_IMAGE, BAD_CONFIGURE_IMAGE]) removeImage(image);
    rmSync(scratch, { recursive: true, force: true });
  });

  void it('injects the SSH key pair, known_hosts and secret files with the right owner and modes', async () => {
    const name = workspace('secrets');
    const keyDir = mkdtempSync(join(scratch, 'keys-'));
    const privateKey = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(32).toString('hex')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    writeFileSync(join(keyDir, 'id_test'), privateKey, { mode: 0o600 });
    writeFileSync(join(keyDir, 'id_test.pub'), 'ssh-ed25519 AAAATEST test@host\n');
    const token = `token-${randomBytes(16).toString('hex')}`;
    writeFileSync(join(keyDir, 'token'), token);
    running(
      await build(name, {
        sshKey: join(keyDir, 'id_test'),
        knownHosts: 'github.com ssh-ed25519 AAAAHOST\n',
        secrets: [{ source: join(keyDir, 'token'), target: '~/.config/tool/token', mode: '0640' }],
      }),
    );
    const container = `drydock-${name}`;
    assert.equal(
      dockerExec(container, 'cd ~ && stat -c "%n %a %U:%G" .ssh .ssh/id_test .ssh/id_test.pub .ssh/known_hosts .config .config/tool .config/tool/token'),
      [
        '.ssh 700 dev:dev',
        '.ssh/id_test 600 dev:dev',
        '.ssh/id_test.pub 644 dev:dev',
        '.ssh/known_hosts 644 dev:dev',
        '.config 755 dev:dev',
        '.config/tool 755 dev:dev',
        '.config/tool/token 640 dev:dev',
      ].join('\n'),
    );
    assert.equal(dockerExec(container, 'cat ~/.ssh/id_test'), privateKey.trim());
    assert.equal(dockerExec(container, 'cat ~/.config/tool/token'), token);

    // known_hosts is merged, not replaced: a host the user accepted stays.
    dockerExec(container, 'echo "example.org ssh-rsa AAAAUSER" >> ~/.ssh/known_hosts');
    running(await build(name, { sshKey: join(keyDir, 'id_test'), knownHosts: 'github.com ssh-ed25519 AAAAHOST\n' }));
    assert.equal(dockerExec(container, 'cat ~/.ssh/known_hosts'), 'github.com ssh-ed25519 AAAAHOST\nexample.org ssh-rsa AAAAUSER');
  });

  void it('never puts secret bytes into inspect output, exec command lines or the build log', async () => {
    const name = workspace('leak');
    const keyDir = mkdtempSync(join(scratch, 'keys-'));
    const secret = `SECRET-${randomBytes(24).toString('hex')}`;
    writeFileSync(join(keyDir, 'id_leak'), `${secret}\n`);
    writeFileSync(join(keyDir, 'file'), `${secret}-file\n`);
    const since = Math.floor(Date.now() / 1000) - 1;
    const finished = running(await build(name, { sshKey: join(keyDir, 'id_leak'), secrets: [{ source: join(keyDir, 'file'), target: '.secret' }] }));

    assert.ok(!docker(['inspect', `drydock-${name}`]).includes(secret), 'container inspect holds the secret');
    assert.ok(!docker(['image', 'inspect', IMAGE]).includes(secret), 'image inspect holds the secret');
    // Every exec Docker ran in the container, with its full command line, from the engine's event log.
    const execs = docker([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      `container=drydock-${name}`,
      '--filter',
      'event=exec_create',
      '--format',
      '{{.Action}}',
    ]);
    assert.match(execs, /exec_create: /, 'the build ran execs, so there are command lines to check');
    assert.ok(!execs.includes(secret), 'an exec command line holds the secret');
    assert.ok(!logOf(finished).includes(secret), 'the build log holds the secret');
    assert.ok(!JSON.stringify(finished.log.entries()).includes(secret), 'the live log holds the secret');
    assert.match(logOf(finished), /~\/\.ssh\/id_leak \(0600/);
  });

  void it('runs /coder/configure as the workspace user with HOME, on every build', async () => {
    const name = workspace('configure');
    const first = running(await build(name));
    assert.match(logOf(first), /stdout\| configure uid=1000 user=dev home=\/home\/dev pwd=\/home\/dev/);
    assert.match(logOf(first), /<== \[ok\] Run \/coder\/configure \(exit 0/);
    running(await build(name));
    assert.equal(dockerExec(`drydock-${name}`, 'wc -l < ~/.configure-runs').trim(), '2');
  });

  void it('skips configure when the image has none, and honours a configured path', async () => {
    const name = workspace('noconf');
    const finished = running(await build(name, { image: PLAIN_IMAGE }));
    assert.match(logOf(finished), /\[skipped\] Run \/coder\/configure.*not in the image/);
    const custom = running(await build(name, { image: IMAGE, configurePath: '/coder/configure', env: {} }));
    assert.match(logOf(custom), /\[ok\] Run \/coder\/configure/);
  });

  void it('fails the build on a failing configure, keeping the container and the exit code in the log', async () => {
    const name = workspace('conffail');
    const finished = await build(name, { env: { CONFIGURE_MODE: 'fail' } });
    assert.equal(finished.outcome?.state, 'failed');
    assert.ok(isDrydockError(finished.error, 'hook_failed'));
    const log = logOf(finished);
    assert.match(log, /stderr\| configure is failing on purpose/);
    assert.match(log, /\[failed\] Run \/coder\/configure.*exited with code 3/);
    assert.match(log, /=== build failed/);
    assert.equal(docker(['inspect', '-f', '{{.State.Running}}', `drydock-${name}`]), 'true');
    assert.doesNotMatch(log, /Personalize/, 'hooks after a failed configure do not run');
  });

  void it('fails the build when configure is not executable', async () => {
    const name = workspace('confnoexec');
    const finished = await build(name, { image: BAD_CONFIGURE_IMAGE });
    assert.equal(finished.outcome?.state, 'failed');
    assert.match(logOf(finished), /not executable/);
  });

  void it('kills a configure that runs past its timeout, and fails the build', async () => {
    const name = workspace('confslow');
    const started = Date.now();
    const finished = await build(name, { env: { CONFIGURE_MODE: 'slow' }, hookTimeout: '3s' });
    assert.equal(finished.outcome?.state, 'failed');
    assert.ok(Date.now() - started < 60_000, 'the build ended long before the script would have');
    const log = logOf(finished);
    assert.match(log, /stdout\| sleeping/);
    assert.match(log, /killed after its 3 s timeout/);
    assert.doesNotMatch(log, /never printed/);
    assert.equal(dockerExec(`drydock-${name}`, 'ps -o args | grep -c "[s]leep 300" || true'), '0');
  });

  void it('clones dotfiles on the host and runs their install.sh as the user from ~/dotfiles', async () => {
    const name = workspace('dotinstall');
    const repo = await makeRepo({
      'install.sh': { content: '#!/bin/sh\necho "installing"\necho "$(pwd) $(id -u)" > "$HOME/.installed"\n', mode: 0o755 },
      '.aliases': 'alias ll="ls -l"\n',
    });
    // A user's environment commonly sets these; simple-git refuses some of them unless told otherwise.
    const saved = { EDITOR: process.env.EDITOR, PAGER: process.env.PAGER, GIT_ASKPASS: process.env.GIT_ASKPASS };
    Object.assign(process.env, { EDITOR: 'vi', PAGER: 'less', GIT_ASKPASS: '/bin/true' });
    let finished: Built;
    try {
      finished = running(await build(name, { dotfiles: { url: repo } }));
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    assert.equal(dockerExec(`drydock-${name}`, 'cat ~/.installed; stat -c %U ~/dotfiles ~/dotfiles/install.sh'), '/home/dev/dotfiles 1000\ndev\ndev');
    assert.match(logOf(finished), /stdout\| installing/);
    assert.equal(
      dockerExec(`drydock-${name}`, 'test -e ~/.aliases && echo linked || echo not-linked'),
      'not-linked',
      'with an install script nothing is linked',
    );
  });

  void it('links the dotfiles of a repository without an install script, backing up a file in the way', async () => {
    const name = workspace('dotlink');
    running(await build(name));
    const container = `drydock-${name}`;
    dockerExec(container, 'echo "my own bashrc" > ~/.bashrc');
    const repo = await makeRepo({ '.bashrc': 'export FROM_DOTFILES=1\n', '.vimrc': 'set number\n', 'README.md': 'not a dotfile\n' });
    const finished = running(await build(name, { dotfiles: { url: `file://${repo}` } }));
    assert.equal(dockerExec(container, 'readlink ~/.bashrc; readlink ~/.vimrc'), 'dotfiles/.bashrc\ndotfiles/.vimrc');
    assert.equal(dockerExec(container, 'cat ~/.bashrc.drydock-backup-*'), 'my own bashrc');
    assert.equal(
      dockerExec(container, 'test -e ~/README.md && echo linked || echo not-linked; test -e ~/.git && echo git || echo no-git'),
      'not-linked\nno-git',
    );
    assert.match(logOf(finished), /backed up ~\/\.bashrc/);
    running(await build(name, { dotfiles: { url: `file://${repo}` } }));
    assert.equal(dockerExec(container, 'ls -a ~ | grep -c drydock-backup'), '1', 'a second build keeps the links and makes no new backup');
  });

  void it('honours the dotfiles branch', async () => {
    const name = workspace('dotbranch');
    const repo = await makeRepo(
      { 'install.sh': { content: '#!/bin/sh\necho main > "$HOME/.branch"\n', mode: 0o755 } },
      { work: { 'install.sh': '#!/bin/sh\necho work > "$HOME/.branch"\n' } },
    );
    running(await build(name, { dotfiles: { url: repo, branch: 'work' } }));
    assert.equal(dockerExec(`drydock-${name}`, 'cat ~/.branch'), 'work');
  });

  void it('refuses a dotfiles URL or branch that git could take as an option', async () => {
    for (const dotfiles of [
      { url: '--upload-pack=touch /tmp/pwned' },
      { url: '-oProxyCommand=x' },
      { url: 'ext::sh -c touch% /tmp/pwned' },
      { url: '/tmp/repo', branch: '--orphan' },
    ]) {
      assert.throws(
        () => parseWorkspaceSpec({ name: 'x', image: IMAGE, dotfiles }, { cpus: 4 }),
        (error: unknown) => isDrydockError(error, 'invalid_input') && /dotfiles\.(url|branch)/.test(error.message),
      );
    }
    await assert.rejects(cache.sync('--upload-pack=touch /tmp/pwned', undefined, 5000), (error: unknown) => isDrydockError(error, 'invalid_input'));
  });

  void it('runs ~/personalize, and a failing one leaves the workspace running with a warning', async () => {
    const name = workspace('personalize');
    running(await build(name));
    const container = `drydock-${name}`;
    dockerExec(container, 'printf "#!/bin/sh\\necho personalized > ~/.personalized\\n" > ~/personalize && chmod +x ~/personalize');
    const ok = running(await build(name));
    assert.equal(dockerExec(container, 'cat ~/.personalized'), 'personalized');
    assert.match(logOf(ok), /\[ok\] Personalize: ~\/personalize/);

    dockerExec(container, 'printf "#!/bin/sh\\necho broken >&2\\nexit 5\\n" > ~/personalize');
    const failed = running(await build(name));
    assert.equal(failed.outcome?.warnings.length, 1);
    assert.match(logOf(failed), /\[warning\] Personalize: ~\/personalize.*exited with code 5/);
    assert.match(logOf(failed), /=== build running/);
  });

  void it('reports a dotfiles clone failure with what git said, as a warning', async () => {
    const name = workspace('dotmissing');
    const finished = running(await build(name, { dotfiles: { url: join(scratch, 'no-such-repo') } }));
    assert.match(logOf(finished), /\[warning\] Personalize: dotfiles.*git could not clone.*(does not exist|not a git repository|No such file)/i);
  });

  // Home survives rebuilds and is the user's: these traps are planted by the (non-root) user before a rebuild.
  void it('refuses to write a secret through a symlink planted in home, with a warning, and writes the others', async () => {
    const name = workspace('trapsecret');
    running(await build(name));
    const container = `drydock-${name}`;
    dockerExec(
      container,
      // ~/vic points into home itself: a write through it would outlive the container that made it.
      'mkdir -p ~/.config ~/victim && ln -s /etc/profile.d ~/.config/tool && ln -s /etc/sudoers.d ~/sud && ln -s /etc/drydock-final ~/.final && ln -s /home/dev/victim ~/vic',
      'dev',
    );
    const keyDir = mkdtempSync(join(scratch, 'keys-'));
    writeFileSync(join(keyDir, 'token'), 'echo owned\n');
    const finished = running(
      await build(name, {
        secrets: [
          { source: join(keyDir, 'token'), target: '.config/tool/token' },
          { source: join(keyDir, 'token'), target: 'sud/dev' },
          { source: join(keyDir, 'token'), target: '.final' },
          { source: join(keyDir, 'token'), target: 'vic/token' },
          { source: join(keyDir, 'token'), target: 'spaced dir/ünïcode token' },
        ],
      }),
    );
    assert.equal(
      dockerExec(container, 'for f in /etc/profile.d/token /etc/sudoers.d/dev /etc/drydock-final; do [ -e "$f" ] && echo "$f written"; done; true', 'root'),
      '',
    );
    assert.equal(
      dockerExec(container, 'for l in ~/.config/tool ~/sud ~/.final; do readlink "$l"; done'),
      '/etc/profile.d\n/etc/sudoers.d\n/etc/drydock-final',
      'the links are left alone',
    );
    assert.equal(dockerExec(container, 'ls -A ~/victim'), '', 'nothing written through a link into home');
    assert.equal(dockerExec(container, 'cat ~/"spaced dir/ünïcode token"'), 'echo owned', 'a secret without a link in its path is written');
    const log = logOf(finished);
    assert.match(log, /~\/\.config\/tool\/token.*~\/\.config\/tool is a symbolic link to \/etc\/profile\.d/);
    assert.match(log, /~\/sud\/dev.*~\/sud is a symbolic link to \/etc\/sudoers\.d/);
    assert.match(log, /~\/\.final.*~\/\.final is a symbolic link to \/etc\/drydock-final/);
    assert.match(log, /~\/vic\/token.*~\/vic is a symbolic link to \/home\/dev\/victim/);
    assert.match(log, /\[warning\] Inject secrets/);
    assert.match(log, /=== build running/);
  });

  void it('writes the secret files of a rebuild through the stopped old container, never into the new one', async () => {
    const name = workspace('handover');
    const keyDir = mkdtempSync(join(scratch, 'keys-'));
    const secrets = [{ source: join(keyDir, 'token'), target: '.config/tool/token', mode: '0600' }];
    writeFileSync(join(keyDir, 'token'), 'first');
    running(await build(name, { secrets }));
    const container = `drydock-${name}`;
    const oldId = docker(['inspect', '-f', '{{.Id}}', container]).trim();
    const since = (Date.now() / 1000).toFixed(3);
    writeFileSync(join(keyDir, 'token'), 'second');
    const finished = running(await build(name, { secrets }));
    const newId = docker(['inspect', '-f', '{{.Id}}', container]).trim();
    const until = (Date.now() / 1000 + 1).toFixed(3);
    const extractedInto = docker(['events', '--since', since, '--until', until, '--filter', 'event=extract-to-dir', '--format', '{{.Actor.ID}}'])
      .split('\n')
      .filter((id) => id === oldId || id === newId);
    assert.deepEqual(extractedInto, [oldId], 'one extraction, into the old container');
    assert.equal(dockerExec(container, 'stat -c "%a %U:%G" ~/.config/tool/token && cat ~/.config/tool/token'), '600 dev:dev\nsecond');
    assert.match(logOf(finished), /~\/\.config\/tool\/token \(0600, 6 bytes\)/);
  });

  void it('never merges known_hosts through a symlinked ~/.ssh, and warns', async () => {
    const name = workspace('trapssh');
    running(await build(name));
    const container = `drydock-${name}`;
    dockerExec(container, 'rm -rf ~/.ssh && ln -s /root/.ssh ~/.ssh', 'dev');
    const finished = running(await build(name, { knownHosts: 'github.com ssh-ed25519 AAAAHOST\n' }));
    // Wherever the user's known_hosts now is, it holds nothing only root could read.
    const usersView = dockerExec(container, 'cat ~/.ssh/known_hosts 2>/dev/null; find ~ -name known_hosts -type f -exec cat {} \\; 2>/dev/null; true', 'dev');
    assert.ok(!usersView.includes('AAAAROOTONLY'), `the user can read root's known_hosts line:\n${usersView}`);
    assert.equal(dockerExec(container, 'cat /root/.ssh/known_hosts', 'root'), ROOT_ONLY_KNOWN_HOST, "root's file is not written through the link");
    assert.match(logOf(finished), /~\/\.ssh is a symbolic link to \/root\/\.ssh/);
    assert.match(logOf(finished), /\[warning\] Inject secrets/);
  });

  void it('never copies dotfiles through a symlinked ~/dotfiles', async () => {
    const name = workspace('trapdot');
    running(await build(name));
    const container = `drydock-${name}`;
    const marker = `drydock-trap-${randomBytes(4).toString('hex')}`;
    const repo = await makeRepo({ [marker]: 'copied\n', '.trapped': 'set number\n' });
    const nothingInEtc = (): void =>
      assert.equal(dockerExec(container, `ls /etc/${marker} /etc/.git /etc/.trapped 2>/dev/null; true`, 'root'), '', 'dotfiles were copied into /etc');

    // A plain link: the user-level removal takes it away, and a fresh copy lands in home.
    dockerExec(container, 'ln -s /etc ~/dotfiles', 'dev');
    running(await build(name, { dotfiles: { url: repo } }));
    nothingInEtc();
    assert.equal(dockerExec(container, `test -L ~/dotfiles || cat ~/dotfiles/${marker}`), 'copied');

    // A home the user made read-only keeps the link past that removal: the copy is refused.
    dockerExec(container, 'rm -rf ~/dotfiles && ln -s /etc ~/dotfiles && chmod a-w ~', 'dev');
    const refused = running(await build(name, { dotfiles: { url: repo } }));
    nothingInEtc();
    assert.equal(dockerExec(container, 'readlink ~/dotfiles'), '/etc');
    assert.match(logOf(refused), /~\/dotfiles is a symbolic link to \/etc/);
    assert.match(logOf(refused), /\[warning\] Personalize: dotfiles/);
    dockerExec(container, 'chmod u+w ~', 'dev');
  });

  void it('gives a late log subscriber the whole build, then the live lines', async () => {
    const name = workspace('late');
    let early: BuildLogEntry[] = [];
    let late: BuildLogEntry[] = [];
    let subscribedLate = false;
    const handle = runner.start(parseWorkspaceSpec({ name, image: IMAGE, pullPolicy: 'never', env: { CONFIGURE_MODE: 'pause' } }, { cpus: 64 }));
    const { log } = handle;
    log.subscribe((entry) => early.push(entry));
    log.subscribe((entry) => {
      // Subscribe the late one once configure has started, mid-build.
      if (!subscribedLate && entry.kind === 'step-start' && entry.text.includes('configure')) {
        subscribedLate = true;
        setTimeout(() => log.subscribe((lateEntry) => late.push(lateEntry)), 500);
      }
    });
    running({ ...(await handle.finished), log });
    early = early.filter((entry) => entry.kind !== 'truncated');
    late = late.filter((entry) => entry.kind !== 'truncated');
    assert.ok(subscribedLate);
    assert.deepEqual(
      late.map((entry) => entry.seq),
      early.map((entry) => entry.seq),
    );
    assert.deepEqual(late, early);
    assert.ok(late.some((entry) => entry.kind === 'output' && entry.text === 'paused'));
    assert.equal(late.at(-1)?.kind, 'result');
  });
});
