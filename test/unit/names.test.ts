import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerName, homeDir, homeVolumeName, LABEL, ownerOf, ownershipLabels, WORKSPACE_NAME } from '../../src/core/names';

/** Docker's rule for container and volume names. */
const DOCKER_OBJECT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

void describe('object names', () => {
  void it('prefixes the container with drydock-', () => {
    assert.equal(containerName('api'), 'drydock-api');
    assert.equal(containerName('api-dev'), 'drydock-api-dev');
  });

  void it('names the home volume after the workspace', () => {
    assert.equal(homeVolumeName('api'), 'drydock-api-home');
    assert.notEqual(homeVolumeName('api'), containerName('api'));
  });

  void it('gives distinct workspaces distinct names', () => {
    assert.notEqual(containerName('a'), containerName('b'));
    assert.notEqual(homeVolumeName('a'), homeVolumeName('b'));
    assert.notEqual(homeVolumeName('a'), homeVolumeName('a-home'));
  });

  void it('produces names Docker accepts for every valid workspace name', () => {
    for (const workspace of ['a', '0', 'api', 'api-dev', 'x'.repeat(63)]) {
      assert.match(workspace, WORKSPACE_NAME);
      assert.match(containerName(workspace), DOCKER_OBJECT_NAME);
      assert.match(homeVolumeName(workspace), DOCKER_OBJECT_NAME);
    }
  });

  void it('puts the home under /home/<user>', () => {
    assert.equal(homeDir('dev'), '/home/dev');
    assert.equal(homeDir('_svc'), '/home/_svc');
  });
});

void describe('WORKSPACE_NAME', () => {
  void it('accepts DNS labels up to 63 characters', () => {
    for (const name of ['a', 'api', 'api-dev', '1api', 'a1-b2', 'a--b', 'a'.repeat(63)]) assert.match(name, WORKSPACE_NAME, name);
  });

  void it('refuses anything else', () => {
    for (const name of ['', 'API', 'Api', '-api', 'api-', 'a_b', 'a.b', 'a b', 'a'.repeat(64)]) assert.doesNotMatch(name, WORKSPACE_NAME, name);
  });
});

void describe('labels', () => {
  void it('are distinct and all in the dev.drydock namespace', () => {
    const values = Object.values(LABEL);
    assert.equal(new Set(values).size, values.length);
    for (const label of values) assert.match(label, /^dev\.drydock\.[a-z-]+$/);
  });

  void it('mark ownership with managed=true, the workspace name and the owner', () => {
    assert.deepEqual(ownershipLabels('api', 'abc123'), { 'dev.drydock.managed': 'true', 'dev.drydock.workspace': 'api', 'dev.drydock.owner': 'abc123' });
  });

  void it('returns a fresh object each time', () => {
    const labels = ownershipLabels('api', 'o');
    labels[LABEL.workspace] = 'other';
    assert.equal(ownershipLabels('api', 'o')[LABEL.workspace], 'api');
  });

  void it("tell ours, another backend's, a pre-owner object and a foreign one apart", () => {
    const ours = ownershipLabels('api', 'me');
    assert.equal(ownerOf(ours, 'api', 'me'), 'ours');
    assert.equal(ownerOf(ours, 'api', 'you'), 'other');
    assert.equal(ownerOf({ [LABEL.managed]: 'true', [LABEL.workspace]: 'api' }, 'api', 'me'), 'legacy');
    assert.equal(ownerOf(ours, 'web', 'me'), 'not-drydock');
    assert.equal(ownerOf({}, 'api', 'me'), 'not-drydock');
  });
});
