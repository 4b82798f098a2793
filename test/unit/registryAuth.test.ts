/**
 * Credentials found as the docker CLI finds them, from real config files and
 * real helper programs (small scripts on PATH, as Docker Desktop's are).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { credentialsFromHelper } from '../../src/docker/credentialHelper';
import { registryCredentials } from '../../src/docker/registryAuth';

const dir = mkdtempSync(join(tmpdir(), 'dd-auth-'));
const bin = join(dir, 'bin');
const savedPath = process.env.PATH;
process.env.PATH = `${bin}:${savedPath ?? ''}`;

function config(name: string, content: unknown): string {
  const configDir = join(dir, name);
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'config.json'), JSON.stringify(content));
  return configDir;
}

function helper(name: string, script: string): void {
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, `docker-credential-${name}`), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, `docker-credential-${name}`), 0o755);
}

const auth = (user: string, password: string): string => Buffer.from(`${user}:${password}`).toString('base64');

void describe('registry credentials as the docker CLI finds them', () => {
  after(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  void it('reads auths by host, with or without a scheme, and Docker Hub under its legacy key', async () => {
    const configDir = config('auths', {
      auths: { 'https://reg.example:5000/v2/': { auth: auth('alice', 'pw:with:colons') }, 'https://index.docker.io/v1/': { auth: auth('hubber', 'hubpw') } },
    });
    assert.deepEqual(await registryCredentials('reg.example:5000', configDir), {
      username: 'alice',
      password: 'pw:with:colons',
      serveraddress: 'reg.example:5000',
    });
    assert.deepEqual(await registryCredentials('docker.io', configDir), {
      username: 'hubber',
      password: 'hubpw',
      serveraddress: 'https://index.docker.io/v1/',
    });
    assert.equal(await registryCredentials('ghcr.io', configDir), undefined);
  });

  void it('passes an identity token on, not a password', async () => {
    const configDir = config('token', { auths: { 'ghcr.io': { identitytoken: 'refresh-me' } } });
    assert.deepEqual(await registryCredentials('ghcr.io', configDir), { identitytoken: 'refresh-me', serveraddress: 'ghcr.io' });
  });

  void it('asks credsStore, and a credHelpers entry wins for its registry', async () => {
    helper('store', 'read s; printf \'{"ServerURL":"%s","Username":"from-store","Secret":"store-pw"}\' "$s"');
    helper('special', 'read s; printf \'{"ServerURL":"%s","Username":"<token>","Secret":"tok"}\' "$s"');
    const configDir = config('helpers', {
      credsStore: 'store',
      credHelpers: { 'special.example': 'special' },
      auths: { 'x.example': { auth: auth('a', 'b') } },
    });
    assert.deepEqual(await registryCredentials('x.example', configDir), { username: 'from-store', password: 'store-pw', serveraddress: 'x.example' });
    assert.deepEqual(await registryCredentials('special.example', configDir), { identitytoken: 'tok', serveraddress: 'special.example' });
    assert.deepEqual(await registryCredentials('docker.io', configDir), {
      username: 'from-store',
      password: 'store-pw',
      serveraddress: 'https://index.docker.io/v1/',
    });
  });

  void it('treats the helper protocol "credentials not found" as anonymous', async () => {
    helper('empty', 'echo "credentials not found in native keychain"; exit 1');
    assert.equal(await registryCredentials('x.example', config('empty', { credsStore: 'empty' })), undefined);
  });

  void it('reports a failing helper with its stderr, a missing one by name, and a hanging one after its time', async () => {
    helper('broken', 'echo "keychain is locked" >&2; exit 3');
    await assert.rejects(credentialsFromHelper('broken', 'x.example'), /docker-credential-broken .*exit code 3: keychain is locked/);
    await assert.rejects(credentialsFromHelper('absent', 'x.example'), /docker-credential-absent is not on PATH/);
    helper('slow', 'exec sleep 5');
    await assert.rejects(credentialsFromHelper('slow', 'x.example', 300), /did not answer within 0.3 s/);
  });

  void it('refuses a config.json that is not JSON without quoting it', async () => {
    const configDir = join(dir, 'bad');
    mkdirSync(configDir);
    writeFileSync(join(configDir, 'config.json'), '{"auths": {"x": {"auth": "c2VjcmV0"}}');
    await assert.rejects(registryCredentials('x', configDir), (error: Error) => /not valid JSON/.test(error.message) && !error.message.includes('c2VjcmV0'));
  });
});
