import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDrydockError } from '../../src/core/errors';
import { parseWorkspaceSpec, type WorkspaceSpec } from '../../src/core/spec';
import type { DockerAdapter } from '../../src/docker/adapter';
import { WorkspaceLifecycle } from '../../src/backend/lifecycle/workspaceLifecycle';
import { buildTestImage, removeImage } from '../support/testImage';
import { connect, docker, dockerExec, removeWorkspaceObjects, TEST_OWNERSHIP, uniqueName } from '../support/docker';

const IMAGE = 'drydock-test/lifecycle:1';
const IMAGE_V2_SOURCE = 'drydock-test/lifecycle-v2:1';

void describe('workspace lifecycle on a real Docker engine', () => {
  let adapter: DockerAdapter;
  let lifecycle: WorkspaceLifecycle;
  const workspaces: string[] = [];
  let buildCount = 0;

  const spec = (name: string, extra: Record<string, unknown> = {}): WorkspaceSpec =>
    parseWorkspaceSpec({ name, image: IMAGE, pullPolicy: 'never', ...extra }, { cpus: 64 });
  const newWorkspace = (prefix: string): string => {
    const name = uniqueName(prefix);
    workspaces.push(name);
    return name;
  };
  const rebuild = async (workspaceSpec: WorkspaceSpec) => {
    const result = await lifecycle.rebuild(workspaceSpec, `build-${++buildCount}`);
    assert.equal(result.state, 'running', result.error?.message);
    return result;
  };

  before(async () => {
    adapter = await connect();
    lifecycle = new WorkspaceLifecycle(adapter, { ownership: TEST_OWNERSHIP, stopGraceSeconds: 2 });
    buildTestImage(IMAGE, { files: { '/etc/image-version': 'v1\n' } });
    buildTestImage(IMAGE_V2_SOURCE, { files: { '/etc/image-version': 'v2\n' } });
  });

  after(() => {
    for (const name of workspaces) removeWorkspaceObjects(name);
    removeImage(IMAGE);
    removeImage(IMAGE_V2_SOURCE);
  });

  void it('keeps home byte for byte (content, mode, owner) across a rebuild and discards everything outside it', async () => {
    const name = newWorkspace('home');
    await rebuild(spec(name));
    const container = `drydock-${name}`;
    dockerExec(container, 'printf "\\000\\001binary\\377" > ~/keep.bin && chmod 640 ~/keep.bin && mkdir -p ~/src && echo hi > ~/src/a.txt');
    dockerExec(container, 'echo scratch > /tmp/outside.txt');
    const before = dockerExec(container, 'md5sum ~/keep.bin; stat -c "%a %u:%g" ~/keep.bin ~/src/a.txt');

    const second = await rebuild(spec(name));
    assert.equal(dockerExec(container, 'md5sum ~/keep.bin; stat -c "%a %u:%g" ~/keep.bin ~/src/a.txt'), before);
    assert.match(before, /^640 1000:1000$/m);
    assert.equal(dockerExec(container, 'test -e /tmp/outside.txt && echo present || echo gone'), 'gone');
    assert.equal(docker(['inspect', '-f', '{{.Id}}', container]), second.containerId);
  });

  void it('gives /home/<user> to the workspace user on first use although the image has no /home', async () => {
    const name = newWorkspace('owner');
    await rebuild(spec(name));
    assert.equal(dockerExec(`drydock-${name}`, 'stat -c "%U %u" /home/dev; id -u; echo $HOME; pwd'), 'dev 1000\n1000\n/home/dev\n/home/dev');
    dockerExec(`drydock-${name}`, 'touch ~/writable');
  });

  void it('keeps an empty home owned by the user across rebuilds (Docker hands an empty volume back to root on each mount)', async () => {
    const name = newWorkspace('emptyhome');
    await rebuild(spec(name));
    const oldId = docker(['inspect', '-f', '{{.Id}}', `drydock-${name}`]);
    const since = (Date.now() / 1000).toFixed(3);
    const second = await rebuild(spec(name));
    const until = (Date.now() / 1000 + 1).toFixed(3);
    // Given back through the stopped old container while the new one started: nothing run in the new one for it.
    const events = docker([
      'events',
      '--since',
      since,
      '--until',
      until,
      '--filter',
      'event=extract-to-dir',
      '--filter',
      'event=exec_create',
      '--format',
      '{{.Action}} {{.Actor.ID}}',
    ]);
    const seen = events.split('\n').filter((line) => line.endsWith(oldId) || line.endsWith(second.containerId ?? '-'));
    assert.deepEqual(seen, [`extract-to-dir ${oldId}`]);
    assert.equal(dockerExec(`drydock-${name}`, 'stat -c "%u" /home/dev; touch ~/writable && echo writable'), '1000\nwritable');
  });

  void it('gives back a home that root took in the old container, and follows a change of user', async () => {
    const name = newWorkspace('takenhome');
    await rebuild(spec(name));
    const container = `drydock-${name}`;
    dockerExec(container, 'echo kept > ~/kept.txt');
    docker(['exec', '-u', '0', container, 'chown', '0:0', '/home/dev']);
    await rebuild(spec(name));
    assert.equal(dockerExec(container, 'stat -c "%u:%g" /home/dev; cat ~/kept.txt'), '1000:1000\nkept');

    // The same home volume, now mounted at /home/alice for uid 1001.
    await rebuild(spec(name, { user: 'alice' }));
    assert.equal(dockerExec(container, 'stat -c "%u:%g" /home/alice; touch ~/writable && echo writable'), '1001:1001\nwritable');
  });

  void it('runs with an init process and a keep-alive command whatever the image CMD is', async () => {
    const name = newWorkspace('init');
    await rebuild(spec(name));
    const inspect = JSON.parse(docker(['inspect', `drydock-${name}`])) as [{ HostConfig: { Init: boolean }; State: { Running: boolean } }];
    assert.equal(inspect[0].HostConfig.Init, true);
    assert.equal(inspect[0].State.Running, true);
    assert.match(dockerExec(`drydock-${name}`, 'cat /proc/1/cmdline | tr "\\0" " "'), /init/);
  });

  void it('runs the new image after the tag is moved', async () => {
    const name = newWorkspace('tag');
    const moving = `drydock-test/moving-${name}:latest`;
    docker(['tag', IMAGE, moving]);
    try {
      await rebuild(spec(name, { image: moving }));
      assert.equal(dockerExec(`drydock-${name}`, 'cat /etc/image-version'), 'v1');
      docker(['tag', IMAGE_V2_SOURCE, moving]);
      await rebuild(spec(name, { image: moving }));
      assert.equal(dockerExec(`drydock-${name}`, 'cat /etc/image-version'), 'v2');
    } finally {
      removeImage(moving);
    }
  });

  void it('applies new CPU and memory requests on rebuild', async () => {
    const name = newWorkspace('res');
    await rebuild(spec(name, { cpus: 1, memory: '256m' }));
    const limits = () => docker(['inspect', '-f', '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}', `drydock-${name}`]);
    assert.equal(limits(), `1000000000 ${256 * 1024 * 1024}`);
    await rebuild(spec(name, { cpus: 0.5, memory: '128m' }));
    assert.equal(limits(), `500000000 ${128 * 1024 * 1024}`);
  });

  void it('stop removes the container and keeps the home volume', async () => {
    const name = newWorkspace('stop');
    await rebuild(spec(name));
    dockerExec(`drydock-${name}`, 'echo kept > ~/note');
    await lifecycle.stop(name);
    assert.equal(docker(['ps', '-aq', '--filter', `name=^drydock-${name}$`]), '');
    assert.equal(docker(['volume', 'ls', '-q', '--filter', `name=drydock-${name}-home`]), `drydock-${name}-home`);
    assert.equal((await lifecycle.inspect(name))?.state, 'off');
    await rebuild(spec(name));
    assert.equal(dockerExec(`drydock-${name}`, 'cat ~/note'), 'kept');
  });

  void it('delete keeps the home volume unless asked to delete it', async () => {
    const name = newWorkspace('del');
    await rebuild(spec(name));
    await lifecycle.delete(name, { deleteHome: false });
    assert.equal(docker(['ps', '-aq', '--filter', `label=dev.drydock.workspace=${name}`]), '');
    assert.equal(docker(['volume', 'ls', '-q', '--filter', `label=dev.drydock.workspace=${name}`]), `drydock-${name}-home`);
    await lifecycle.delete(name, { deleteHome: true });
    assert.equal(docker(['volume', 'ls', '-q', '--filter', `label=dev.drydock.workspace=${name}`]), '');
    assert.equal(await lifecycle.inspect(name), undefined);
  });

  void it('refuses a second rebuild while one runs, and runs only one', async () => {
    const name = newWorkspace('busy');
    const first = lifecycle.rebuild(spec(name), 'build-a');
    await assert.rejects(lifecycle.rebuild(spec(name), 'build-b'), (error) => isDrydockError(error, 'busy'));
    assert.equal((await first).state, 'running');
    assert.equal(docker(['ps', '-aq', '--filter', `label=dev.drydock.workspace=${name}`]).split('\n').length, 1);
    assert.equal(docker(['inspect', '-f', '{{index .Config.Labels "dev.drydock.build-id"}}', `drydock-${name}`]), 'build-a');
  });

  void it('leaves the running container untouched when the image is missing', async () => {
    const name = newWorkspace('missing');
    const good = await rebuild(spec(name));
    await assert.rejects(lifecycle.rebuild(spec(name, { image: 'drydock-test/does-not-exist:1' }), 'build-x'), (error) => {
      assert.ok(isDrydockError(error, 'image_missing'));
      assert.match(error.message, /does-not-exist/);
      assert.match(error.message, /Nothing was changed/);
      return true;
    });
    assert.equal(docker(['inspect', '-f', '{{.Id}} {{.State.Running}}', `drydock-${name}`]), `${good.containerId} true`);
  });

  void it('refuses a user the image does not define before creating anything', async () => {
    const name = newWorkspace('nouser');
    await assert.rejects(lifecycle.rebuild(spec(name, { user: 'mallory' }), 'build-u'), (error) => {
      assert.ok(isDrydockError(error, 'user_missing'));
      assert.match(error.message, /mallory/);
      assert.match(error.message, /dev, alice/);
      return true;
    });
    assert.equal(docker(['volume', 'ls', '-q', '--filter', `label=dev.drydock.workspace=${name}`]), '');
    await rebuild(spec(name, { user: 'alice' }));
    assert.equal(dockerExec(`drydock-${name}`, 'id -un; stat -c %U /home/alice'), 'alice\nalice');
  });

  void it('lists what a rebuild will discard: files changed outside home, not home', async () => {
    const name = newWorkspace('safety');
    await rebuild(spec(name));
    dockerExec(`drydock-${name}`, 'echo x > ~/inside.txt');
    dockerExec(`drydock-${name}`, 'mkdir -p /opt/tool && echo y > /opt/tool/installed', 'root');
    const { changes } = await lifecycle.rebuildSafety(name);
    const paths = changes.map((change) => change.path);
    assert.ok(paths.includes('/opt/tool/installed'), paths.join(', '));
    assert.ok(!paths.some((path) => path.startsWith('/home')), paths.join(', '));
  });

  void it('never touches a container that does not carry its labels', async () => {
    const name = newWorkspace('foreign');
    const foreignId = docker(['run', '-d', '--name', `drydock-${name}`, IMAGE, 'sleep', '600']);
    try {
      await assert.rejects(lifecycle.rebuild(spec(name), 'build-f'), (error) => isDrydockError(error, 'conflict'));
      await assert.rejects(lifecycle.stop(name), (error) => isDrydockError(error, 'conflict'));
      await assert.rejects(lifecycle.delete(name, { deleteHome: true }), (error) => isDrydockError(error, 'conflict'));
      assert.equal(docker(['inspect', '-f', '{{.State.Running}}', foreignId]), 'true');
      assert.ok(!(await lifecycle.list()).some((workspace) => workspace.name === name));
    } finally {
      docker(['rm', '-f', foreignId]);
    }
  });

  void it('lists workspaces from labels: running ones and those with only a home', async () => {
    const running = newWorkspace('lsrun');
    const off = newWorkspace('lsoff');
    await rebuild(spec(running));
    await rebuild(spec(off));
    await lifecycle.stop(off);
    const list = await lifecycle.list();
    assert.equal(list.find((workspace) => workspace.name === running)?.state, 'running');
    assert.equal(list.find((workspace) => workspace.name === running)?.container?.image, IMAGE);
    const homeOnly = list.find((workspace) => workspace.name === off);
    assert.deepEqual({ ...homeOnly, homeSpec: undefined }, { name: off, state: 'off', homeVolume: `drydock-${off}-home`, homeSpec: undefined });
    // The home volume carries the spec it was made with, so a backend that lost its state can adopt it.
    assert.equal((JSON.parse(homeOnly?.homeSpec ?? '{}') as { spec?: { image?: string } }).spec?.image, IMAGE);
  });
});
