import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { docker, uniqueName } from '../support/docker';
import { connect } from '../support/docker';
import { buildTestImage, removeImage } from '../support/testImage';
import type { DockerAdapter } from '../../src/docker/adapter';

const IMAGE = 'drydock-test/files-probe:1';

void describe('the engine answers whether a path exists in a container', () => {
  let adapter: DockerAdapter;
  let container: string;

  before(async () => {
    buildTestImage(IMAGE, { files: { '/coder/configure': { content: '#!/bin/sh\n', mode: 0o755 } } });
    adapter = await connect();
    container = docker(['run', '-d', '--name', uniqueName('probe'), IMAGE, 'sleep', '300']);
  });

  after(() => {
    if (container) docker(['rm', '-f', container]);
    removeImage(IMAGE);
  });

  void it('finds what is there and not what is not, and leaves no connection open (a long-lived backend asks on every build)', async () => {
    const openFiles = (): number => readdirSync('/proc/self/fd').length;
    const before = openFiles();
    for (let round = 0; round < 30; round++) {
      assert.equal(await adapter.files.exists(container, '/coder/configure'), true);
      assert.equal(await adapter.files.exists(container, '/home/dev/personalize'), false);
    }
    // dockerode returns a HEAD's answer as an unread stream; unread, each kept its socket.
    assert.ok(openFiles() - before < 5, `open files grew from ${before} to ${openFiles()} over 60 checks`);
  });
});
