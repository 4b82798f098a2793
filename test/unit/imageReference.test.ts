import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { credentialKey, digestFor, hostOfKey, parseImageReference, pullDecision, registryApiHost } from '../../src/core/imageReference';
import { parseChallenge } from '../../src/core/wwwAuthenticate';

const D1 = `sha256:${'1'.repeat(64)}`;

void describe('image references as the docker CLI reads them', () => {
  void it('puts short names on Docker Hub under library/', () => {
    assert.deepEqual(parseImageReference('ubuntu:24.04'), { registry: 'docker.io', repository: 'library/ubuntu', tag: '24.04' });
    assert.deepEqual(parseImageReference('me/dev'), { registry: 'docker.io', repository: 'me/dev' });
    assert.deepEqual(parseImageReference('docker.io/ubuntu'), { registry: 'docker.io', repository: 'library/ubuntu' });
    assert.deepEqual(parseImageReference('index.docker.io/me/dev:1'), { registry: 'docker.io', repository: 'me/dev', tag: '1' });
  });

  void it('takes a first part as a host only with a dot, a port or localhost', () => {
    assert.deepEqual(parseImageReference('127.0.0.1:5000/team/dev:1'), { registry: '127.0.0.1:5000', repository: 'team/dev', tag: '1' });
    assert.deepEqual(parseImageReference('localhost/dev'), { registry: 'localhost', repository: 'dev' });
    assert.deepEqual(parseImageReference('ghcr.io/org/dev@' + D1), { registry: 'ghcr.io', repository: 'org/dev', digest: D1 });
    assert.equal(parseImageReference('team/dev:1').registry, 'docker.io');
  });

  void it('knows Docker Hub by its API host and its legacy credential key', () => {
    assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(registryApiHost('ghcr.io'), 'ghcr.io');
    assert.equal(credentialKey('docker.io'), 'https://index.docker.io/v1/');
    assert.equal(credentialKey('127.0.0.1:5000'), '127.0.0.1:5000');
    assert.equal(hostOfKey('https://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  });

  void it('finds the digest the engine recorded for the reference repository only', () => {
    const digests = [`127.0.0.1:5000/team/dev@${D1}`, `ubuntu@sha256:${'2'.repeat(64)}`];
    assert.equal(digestFor('127.0.0.1:5000/team/dev:1', digests), D1);
    assert.equal(digestFor('ubuntu:24.04', digests), `sha256:${'2'.repeat(64)}`);
    assert.equal(digestFor('127.0.0.1:5000/team/other:1', digests), undefined);
  });
});

void describe('the pull decision', () => {
  const fromRegistry = { repoDigests: [`ghcr.io/org/dev@${D1}`] };
  const builtHere = { repoDigests: [] };

  void it('pulls a tag by default, even when the engine has it', () => {
    assert.equal(pullDecision('ghcr.io/org/dev:1', undefined, fromRegistry), 'pull');
    assert.equal(pullDecision('ghcr.io/org/dev:1', undefined, undefined), 'pull');
    assert.equal(pullDecision('ghcr.io/org/dev:1', 'always', builtHere), 'pull');
  });

  void it('uses an image built or loaded here as is by default: it has no registry to update from', () => {
    assert.equal(pullDecision('ghcr.io/org/dev:1', undefined, builtHere), 'use-local');
  });

  void it('pulls a digest only when it is missing, whatever the policy', () => {
    const pinned = `ghcr.io/org/dev@${D1}`;
    assert.equal(pullDecision(pinned, 'always', fromRegistry), 'use-local');
    assert.equal(pullDecision(pinned, 'always', undefined), 'pull');
    assert.equal(pullDecision(pinned, 'never', undefined), 'missing-never');
  });

  void it('follows missing and never', () => {
    assert.equal(pullDecision('ubuntu:24.04', 'missing', fromRegistry), 'use-local');
    assert.equal(pullDecision('ubuntu:24.04', 'missing', undefined), 'pull');
    assert.equal(pullDecision('ubuntu:24.04', 'never', fromRegistry), 'use-local');
    assert.equal(pullDecision('ubuntu:24.04', 'never', undefined), 'missing-never');
  });
});

void describe('WWW-Authenticate challenges', () => {
  void it('reads Bearer and Basic challenges with quoted parameters', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull' },
    });
    assert.deepEqual(parseChallenge('Basic realm="drydock \\"test\\""'), { scheme: 'basic', params: { realm: 'drydock "test"' } });
    assert.deepEqual(parseChallenge(''), { scheme: '', params: {} });
  });
});
