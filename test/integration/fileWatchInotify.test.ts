/**
 * The inotify file watch, against the real engine: a busybox workspace that
 * also has inotify-tools' inotifywait (copied from this machine), a real
 * backend, and changes made with docker exec as the workspace user. The
 * polling fallback for images without inotifywait is proven in
 * workspaceFiles.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FileWatchEvent } from '../../src/api/fileViews';
import { containerName } from '../../src/core/names';
import { createRunning, newStateDir, removeStateDir, startDaemon, type TestDaemon } from '../support/daemonProcess';
import { dockerExec, removeWorkspaceObjects, uniqueName } from '../support/docker';
import { buildTestImage, removeImage } from '../support/testImage';

const IMAGE = 'drydock-test/files-inotify:1';
const HOME = '/home/dev';

void describe('file watch with inotify (real engine, an image with inotifywait)', () => {
  let daemon: TestDaemon;
  let stateDir: string;
  const name = uniqueName('inotify');
  const container = containerName(name);
  const as = (user: string, command: string): string => dockerExec(container, command, user);

  before(async () => {
    buildTestImage(IMAGE, { inotifywait: true });
    stateDir = newStateDir();
    daemon = await startDaemon(stateDir);
    await createRunning(daemon, { name, image: IMAGE, user: 'dev' });
  });

  after(async () => {
    await daemon?.stop();
    removeWorkspaceObjects(name);
    removeImage(IMAGE);
    if (stateDir) removeStateDir(stateDir);
  });

  /** Follows a watch; `seen` waits (bounded, generously: timing is the benchmark's job) for a change. */
  function follow(
    path: string,
    recursive: boolean,
  ): { events: FileWatchEvent[]; seen: (type: string, path: string) => Promise<void>; stop: () => Promise<void> } {
    const events: FileWatchEvent[] = [];
    const abort = new AbortController();
    const following = daemon.client.watchFiles(name, path, recursive, (event) => events.push(event), abort.signal);
    const seen = async (type: string, changed: string): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!events.some((event) => event.type === 'changes' && event.changes.some((change) => change.type === type && change.path === changed))) {
        if (Date.now() > deadline) throw new Error(`no ${type} ${changed}; events: ${JSON.stringify(events)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    return {
      events,
      seen,
      stop: async () => {
        abort.abort();
        await following;
      },
    };
  }

  async function mechanisms(events: FileWatchEvent[], count: number): Promise<string[]> {
    const deadline = Date.now() + 15_000;
    const said = (): string[] => events.flatMap((event) => (event.type === 'watching' ? [event.mechanism] : []));
    while (said().length < count) {
      if (Date.now() > deadline) throw new Error(`the watch did not say how it watches; events: ${JSON.stringify(events)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return said();
  }

  void it('reports creates, changes, deletes and renames below the watched folder, new subfolders included, through inotify', async () => {
    as('dev', `mkdir -p ${HOME}/tree/sub/.git && echo old > ${HOME}/tree/sub/changing && echo x > ${HOME}/tree/doomed && echo a > ${HOME}/tree/before`);
    const watch = follow(`${HOME}/tree`, true);
    assert.deepEqual(await mechanisms(watch.events, 1), ['inotify']);
    as('dev', `echo new > "${HOME}/tree/sub/made in terminal"; echo newer >> ${HOME}/tree/sub/changing; rm ${HOME}/tree/doomed`);
    await watch.seen('created', `${HOME}/tree/sub/made in terminal`);
    await watch.seen('changed', `${HOME}/tree/sub/changing`);
    await watch.seen('deleted', `${HOME}/tree/doomed`);
    // A folder made after the watch started is watched too; a rename is a delete and a create.
    as('dev', `mkdir ${HOME}/tree/later && sleep 0.2 && echo deep > ${HOME}/tree/later/deep.txt && mv ${HOME}/tree/before ${HOME}/tree/after`);
    await watch.seen('created', `${HOME}/tree/later/deep.txt`);
    await watch.seen('deleted', `${HOME}/tree/before`);
    await watch.seen('created', `${HOME}/tree/after`);
    // Git's own folder is not watched.
    as('dev', `echo ref > ${HOME}/tree/sub/.git/HEAD && echo marker > ${HOME}/tree/marker`);
    await watch.seen('created', `${HOME}/tree/marker`);
    assert.ok(
      !watch.events.some((event) => event.type === 'changes' && event.changes.some((change) => change.path.includes('/.git'))),
      `nothing under .git is reported: ${JSON.stringify(watch.events)}`,
    );
    await watch.stop();
    // inotifywait is gone once the watch is.
    const deadline = Date.now() + 10_000;
    while (as('root', 'ps -o args | grep -c "[i]notifywait" || true') !== '0') {
      if (Date.now() > deadline) assert.fail(`inotifywait outlived its watch: ${as('root', 'ps -o pid,args')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  void it('watches one folder without its subfolders when not recursive', async () => {
    as('dev', `mkdir -p ${HOME}/flat/inner`);
    const watch = follow(`${HOME}/flat`, false);
    assert.deepEqual(await mechanisms(watch.events, 1), ['inotify']);
    as('dev', `echo deep > ${HOME}/flat/inner/deep.txt && echo top > ${HOME}/flat/top.txt`);
    await watch.seen('created', `${HOME}/flat/top.txt`);
    assert.ok(
      !watch.events.some((event) => event.type === 'changes' && event.changes.some((change) => change.path === `${HOME}/flat/inner/deep.txt`)),
      'a file in a subfolder is not reported',
    );
    await watch.stop();
  });

  void it('falls back to polling when inotifywait ends (its folder deleted), and sees the folder come back', async () => {
    as('dev', `mkdir -p ${HOME}/going`);
    const watch = follow(`${HOME}/going`, true);
    assert.deepEqual(await mechanisms(watch.events, 1), ['inotify']);
    as('dev', `rm -r ${HOME}/going`);
    await watch.seen('deleted', `${HOME}/going`);
    assert.deepEqual(await mechanisms(watch.events, 2), ['inotify', 'polling']);
    // The polling's first listing is its baseline: give it a moment before the folder comes back.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    as('dev', `mkdir -p ${HOME}/going && echo back > ${HOME}/going/back.txt`);
    await watch.seen('created', `${HOME}/going/back.txt`);
    await watch.stop();
  });
});
