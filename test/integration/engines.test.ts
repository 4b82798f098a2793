import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EngineView, WorkspaceView } from '../../src/api/views';
import { isDrydockError } from '../../src/core/errors';
import { LABEL } from '../../src/core/names';
import type { SpecInput } from '../../src/core/spec';
import { CLI, waitFor, type CliRun } from '../support/cliSandbox';
import { newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { docker, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { buildHookImage } from '../support/hookImage';
import { PrivateEngine } from '../support/privateEngine';
import { skipOutsideCI } from '../support/skips';
import { removeImage } from '../support/testImage';

const IMAGE = 'drydock-test/engines:1';
const cannotStart = PrivateEngine.cannotStart();

/**
 * One backend speaking to three engines at once: the system's (`local`,
 * found by discovery) and two private dockerds this suite starts (`pa`,
 * `pb`, added by address). Each workspace lives on its engine; one engine
 * dying touches only its own workspaces.
 */
void describe('several engines at once', { skip: skipOutsideCI(cannotStart && `cannot run a private Docker engine: ${cannotStart}`) }, () => {
  let engineA: PrivateEngine;
  let engineB: PrivateEngine;
  let daemon: TestDaemon;
  let dotfiles: string;
  const stateDirs: string[] = [];
  const daemons: TestDaemon[] = [];
  const localWorkspaces: string[] = [];

  const cli = (stateDir: string, args: string[]): CliRun => {
    const run = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, DRYDOCK_STATE_DIR: stateDir }, encoding: 'utf8' });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const ok = (args: string[], stateDir = daemon.stateDir): string => {
    const run = cli(stateDir, args);
    assert.equal(run.status, 0, `drydock ${args.join(' ')} failed: ${run.stderr}`);
    return run.stdout.trim();
  };
  /** `docker` against the engine a workspace is on. */
  const dockerOn = (engine: string, args: string[]): string => (engine === 'local' ? docker(args) : (engine === 'pa' ? engineA : engineB).docker(args));
  const containerEngineLabel = (engine: string, name: string): string =>
    dockerOn(engine, ['ps', '-a', '--filter', `label=${LABEL.workspace}=${name}`, '--format', `{{.Label "${LABEL.engine}"}}`]);
  const engines = async (on = daemon): Promise<Map<string, EngineView>> => new Map((await on.client.engines()).map((view) => [view.name, view]));
  const workspace = (prefix: string, engine: string): string => {
    const name = uniqueName(prefix);
    if (engine === 'local') localWorkspaces.push(name);
    return name;
  };
  const spec = (name: string, extra: Partial<SpecInput> = {}): SpecInput => ({ name, image: IMAGE, user: 'dev', pullPolicy: 'never', ...extra });
  const built = async (on: TestDaemon, name: string, buildId: string | undefined): Promise<WorkspaceView> => {
    assert.ok(buildId, `a build of ${name} started`);
    const view = await waitFor(`build ${buildId} of ${name} to end`, 90_000, async () => {
      const current = await on.workspace(name);
      return current.lastBuild?.buildId === buildId && current.lastBuild.status !== 'building' ? current : undefined;
    });
    assert.equal(view.state, 'running', `${name} built: ${JSON.stringify(view.lastBuild)}`);
    return view;
  };
  const createRunning = async (on: TestDaemon, name: string, engine: string, extra: Partial<SpecInput> = {}): Promise<WorkspaceView> =>
    built(on, name, (await on.client.createWorkspace(spec(name, extra), { engine })).buildId);

  before(async () => {
    buildHookImage(IMAGE);
    [engineA, engineB] = await Promise.all([PrivateEngine.start([IMAGE]), PrivateEngine.start([IMAGE])]);
    const stateDir = newStateDir();
    stateDirs.push(stateDir);
    daemon = await startDaemon(stateDir);
    daemons.push(daemon);
    ok(['engine', 'add', 'pa', '--host', engineA.host]);
    ok(['engine', 'add', 'pb', '--host', engineB.host]);
    // Dotfiles are cloned on the backend's machine and copied in over the engine's link.
    dotfiles = mkdtempSync(join(tmpdir(), 'dd-dotfiles-'));
    writeFileSync(join(dotfiles, 'install.sh'), '#!/bin/sh\necho "dotfiles installed" > "$HOME/.dotfiles-ran"\n');
    chmodSync(join(dotfiles, 'install.sh'), 0o755);
    const git = (args: string[]): void => void spawnSync('git', ['-C', dotfiles, ...args], { stdio: 'ignore' });
    git(['init', '--initial-branch=main']);
    git(['-c', 'user.email=t@example.com', '-c', 'user.name=T', 'add', '.']);
    git(['-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-m', 'dotfiles']);
  });

  after(async () => {
    for (const each of daemons) await each.stop();
    for (const name of localWorkspaces) removeWorkspaceObjects(name);
    // Each private engine goes with everything on it (its folder holds its containers and volumes).
    await engineA?.stop();
    await engineB?.stop();
    for (const dir of stateDirs) removeStateDir(dir);
    if (dotfiles) rmSync(dotfiles, { recursive: true, force: true });
    removeImage(IMAGE);
  });

  void it('lists every engine with its state, version, platform and size', async () => {
    const listed = await engines();
    assert.deepEqual([...listed.keys()], ['local', 'pa', 'pb']);
    for (const view of listed.values()) {
      assert.equal(view.reachable, true, `${view.name} answers: ${view.error ?? ''}`);
      assert.match(view.version ?? '', /^\d+\./);
      assert.equal(view.os, 'linux');
      assert.ok((view.cpus ?? 0) >= 1 && (view.memoryBytes ?? 0) > 0);
    }
    assert.equal(listed.get('local')?.default, true);
    assert.equal(listed.get('pa')?.address, engineA.host);
    const table = ok(['engine', 'ls']);
    assert.match(table, /^local \*/m);
    assert.match(table, new RegExp(`^pa\\s+${engineA.host.replace(/[/.]/g, '\\$&')}\\s+reachable`, 'm'));
    // A bad address is refused naming the field; a name taken is refused.
    const bad = cli(daemon.stateDir, ['engine', 'add', 'bad', '--host', 'ftp://example.com']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /unsupported scheme/);
    assert.equal(cli(daemon.stateDir, ['engine', 'add', 'pa', '--host', engineB.host]).status, 1);
    const badName = cli(daemon.stateDir, ['engine', 'rm', 'Not_An_Engine']);
    assert.equal(badName.status, 1);
    assert.match(badName.stderr, /not an engine name/);
  });

  void it('creates, rebuilds with hooks, execs in and stops a workspace on each engine, each on its own engine', async () => {
    for (const engine of ['local', 'pa', 'pb']) {
      const name = workspace(`each-${engine}`, engine);
      const view = await createRunning(daemon, name, engine, { dotfiles: { url: `file://${dotfiles}` } });
      assert.equal(view.engine, engine);
      assert.equal(containerEngineLabel(engine, name), engine, `the container is on ${engine}, labelled with its engine`);
      for (const other of ['local', 'pa', 'pb'].filter((each) => each !== engine)) {
        assert.equal(containerEngineLabel(other, name), '', `nothing of ${name} on ${other}`);
      }
      await built(daemon, name, (await daemon.client.rebuild(name)).buildId);
      // configure ran on both builds, the dotfiles' install on the engine's container; exec reaches the right engine.
      assert.equal(ok(['exec', name, '--no-tty', '--', 'sh', '-c', 'cat ~/.configure-runs ~/.dotfiles-ran']), 'run\nrun\ndotfiles installed');
      ok(['stop', name]);
      assert.equal((await daemon.workspace(name)).state, 'off');
      assert.equal(containerEngineLabel(engine, name), '', `the container on ${engine} is gone`);
      assert.equal(dockerOn(engine, ['volume', 'ls', '-q', '--filter', `label=${LABEL.workspace}=${name}`]), `drydock-${name}-home`, 'its home stays');
      await daemon.client.deleteWorkspace(name, { deleteHome: true });
    }
  });

  const running: Record<string, string> = {};

  void it('places --engine auto on the engine with the most memory free after its workspaces’ limits', async () => {
    // The three engines report the same host memory: what tells them apart is what their running workspaces hold.
    running.local = workspace('mem-local', 'local');
    await createRunning(daemon, running.local, 'local', { memory: '2g' });
    running.pa = workspace('mem-pa', 'pa');
    await createRunning(daemon, running.pa, 'pa', { memory: '3g' });
    const listed = await engines();
    assert.match(ok(['ls']), new RegExp(`^${running.pa}\\s+pa\\s+running`, 'm'), 'ls shows the engine');
    assert.equal(listed.get('pa')?.memoryCommittedBytes, 3 * 1024 ** 3);
    assert.deepEqual(listed.get('pa')?.workspaces, [running.pa]);

    const first = uniqueName('auto');
    ok(['create', first, '--image', IMAGE, '--user', 'dev', '--pull', 'never', '--engine', 'auto', '--no-build']);
    assert.equal((await daemon.workspace(first)).engine, 'pb', 'pb holds nothing yet');
    running.pb = workspace('mem-pb', 'pb');
    await createRunning(daemon, running.pb, 'pb', { memory: '4g' });
    const second = workspace('auto', 'local');
    ok(['create', second, '--image', IMAGE, '--user', 'dev', '--pull', 'never', '--engine', 'auto', '--no-build']);
    assert.equal((await daemon.workspace(second)).engine, 'local', 'local holds 2g, pa 3g, pb 4g');
    for (const name of [first, second]) await daemon.client.deleteWorkspace(name, { deleteHome: true });

    // The default engine takes a create without --engine; an unknown engine is refused naming the fix.
    ok(['engine', 'default', 'pa']);
    const third = uniqueName('default');
    ok(['create', third, '--image', IMAGE, '--pull', 'never', '--no-build']);
    assert.equal((await daemon.workspace(third)).engine, 'pa');
    await daemon.client.deleteWorkspace(third, { deleteHome: true });
    ok(['engine', 'default', 'local']);
    const unknown = cli(daemon.stateDir, ['create', uniqueName('nowhere'), '--image', IMAGE, '--engine', 'nosuch', '--no-build']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no engine named "nosuch"/);
  });

  void it('shows only the killed engine’s workspaces unknown, with the reason, keeps the others working, and reconnects', async () => {
    assert.ok(running.pb && running.pa && running.local, 'the placement test left a running workspace on each engine');
    await engineB.kill();
    const away = await waitFor('the workspace on pb to show unknown', 30_000, async () => {
      const view = await daemon.workspace(running.pb);
      return view.state === 'unknown' ? view : undefined;
    });
    assert.equal(away.engine, 'pb');
    assert.ok(away.engineError, 'the view says why');
    const listed = await engines();
    assert.equal(listed.get('pb')?.reachable, false);
    assert.ok(listed.get('pb')?.error);
    // The others never notice: running, exec works, a new workspace can be built there.
    assert.equal((await daemon.workspace(running.pa)).state, 'running');
    assert.equal((await daemon.workspace(running.local)).state, 'running');
    assert.equal(ok(['exec', running.pa, '--no-tty', '--', 'sh', '-c', 'echo still here']), 'still here');
    const meanwhile = uniqueName('meanwhile');
    await createRunning(daemon, meanwhile, 'pa');
    await daemon.client.deleteWorkspace(meanwhile, { deleteHome: true });
    await assert.rejects(daemon.client.createWorkspace(spec(uniqueName('onb')), { engine: 'pb' }), (error: unknown) => {
      assert.ok(isDrydockError(error, 'docker_unreachable'));
      assert.match(error.message, /engine "pb" cannot be reached/);
      return true;
    });
    assert.deepEqual(
      daemon.events.filter((event) => event.type === 'docker' && !event.reachable).map((event) => (event.type === 'docker' ? event.engine : '')),
      ['pb'],
      'only pb went away',
    );

    await engineB.restart();
    // Reachable once it has been reconciled: then its workspace shows what the engine has.
    await waitFor('pb to answer again', 60_000, async () => (await engines()).get('pb')?.reachable);
    const back = await daemon.workspace(running.pb);
    assert.notEqual(back.state, 'unknown');
    assert.equal(back.engineError, undefined);
    // Its dockerd stopped the container on the way down: the home is intact and a rebuild brings it back.
    await built(daemon, running.pb, (await daemon.client.rebuild(running.pb)).buildId);
  });

  void it('keeps its engines across a restart, and refuses to remove an engine while workspaces live there', async () => {
    await daemon.stop();
    daemon = await startDaemon(daemon.stateDir);
    daemons.push(daemon);
    const listed = await engines();
    assert.deepEqual([...listed.keys()], ['local', 'pa', 'pb']);
    assert.equal((await daemon.workspace(running.pa)).state, 'running', 'reconciled on its own engine after the restart');

    const refused = cli(daemon.stateDir, ['engine', 'rm', 'pb']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, new RegExp(`engine pb still has workspaces: ${running.pb}`));
    assert.equal((await engines()).has('pb'), true);
    await daemon.client.deleteWorkspace(running.pb, { deleteHome: true });
    ok(['engine', 'rm', 'pb']);
    assert.deepEqual([...(await engines()).keys()], ['local', 'pa']);
    assert.equal(cli(daemon.stateDir, ['engine', 'rm', 'local']).status, 1, 'the local engine cannot be removed');
  });

  void it('adopts its workspaces on an engine added again after the state file was lost', async () => {
    await daemon.stop();
    writeFileSync(join(daemon.stateDir, 'state.json'), 'not json at all');
    daemon = await startDaemon(daemon.stateDir);
    daemons.push(daemon);
    // The lost file held the engines too: only the local engine is known, and its workspace is adopted from it.
    assert.deepEqual([...(await engines()).keys()], ['local']);
    assert.equal((await daemon.workspace(running.local)).state, 'running');
    assert.ok(!(await daemon.client.listWorkspaces()).some((view) => view.name === running.pa));
    ok(['engine', 'add', 'pa', '--host', engineA.host]);
    const adopted = await waitFor('the workspace on pa to be adopted', 30_000, () => daemon.client.workspace(running.pa).catch(() => undefined));
    assert.equal(adopted.engine, 'pa');
    assert.equal(adopted.state, 'running');
  });

  void it('lets two backends (two state folders) share an engine without touching each other’s workspaces', async () => {
    const stateDir = newStateDir();
    stateDirs.push(stateDir);
    const other = await startDaemon(stateDir);
    daemons.push(other);
    ok(['engine', 'add', 'shared', '--host', engineA.host], stateDir);
    assert.ok(!(await other.client.listWorkspaces()).some((view) => view.name === running.pa), "the other backend does not list the first's workspace");
    // The first's name is taken on that engine: refused, and nothing of the first's changed.
    await assert.rejects(other.client.createWorkspace(spec(running.pa), { engine: 'shared' }), (error: unknown) => isDrydockError(error, 'conflict'));
    const own = uniqueName('other');
    await createRunning(other, own, 'shared');
    assert.ok(!(await daemon.client.listWorkspaces()).some((view) => view.name === own), "the first does not list the other's");
    // Each stops its own; the other's container is untouched on the shared engine.
    ok(['stop', own], stateDir);
    assert.equal((await daemon.workspace(running.pa)).state, 'running');
    assert.equal(engineA.docker(['inspect', '--format', '{{.State.Running}}', `drydock-${running.pa}`]), 'true');
    await daemon.client.stop(running.pa);
    assert.equal(engineA.docker(['volume', 'ls', '-q', '--filter', `label=${LABEL.workspace}=${own}`]), `drydock-${own}-home`, "the other's home stays");
    assert.deepEqual((await engines(other)).get('shared')?.workspaces, [own]);
  });
});
