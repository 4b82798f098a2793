import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isDrydockError } from '../../src/core/errors';
import { defaultSocketPaths, engineCandidates, type DiscoveryEnvironment } from '../../src/docker/discovery';

const HOME = '/home/dev';
const CONFIG_DIR = join(HOME, '.docker');

/** In-memory machine: env vars plus a map of file contents (sockets are files with empty content). */
function fakeEnvironment(env: Record<string, string | undefined>, files: Record<string, string> = {}): DiscoveryEnvironment {
  return {
    env,
    homeDir: HOME,
    readFile: (path) => (path in files ? Buffer.from(files[path]) : undefined),
    exists: (path) => path in files,
  };
}

const sha256 = (name: string) => createHash('sha256').update(name).digest('hex');
const metaPath = (configDir: string, name: string) => join(configDir, 'contexts', 'meta', sha256(name), 'meta.json');
const meta = (name: string, host: string, skipTlsVerify = false) =>
  JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: skipTlsVerify } } });

/** Asserts an invalid_input DrydockError whose message contains every fragment. */
function assertInvalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isDrydockError(error, 'invalid_input'), `expected invalid_input, got ${String(error)}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should mention "${fragment}"`);
    return true;
  });
}

void describe('DOCKER_HOST', () => {
  void it('unix:// becomes the only, explicit socket candidate', () => {
    const candidates = engineCandidates(fakeEnvironment({ DOCKER_HOST: 'unix:///tmp/custom.sock' }, { '/var/run/docker.sock': '' }));
    assert.deepEqual(candidates, [{ description: 'DOCKER_HOST=unix:///tmp/custom.sock', options: { socketPath: '/tmp/custom.sock' }, explicit: true }]);
  });

  void it('tcp:// without TLS is http on port 2375 by default', () => {
    const [candidate] = engineCandidates(fakeEnvironment({ DOCKER_HOST: 'tcp://10.0.0.2' }));
    assert.deepEqual(candidate.options, { protocol: 'http', host: '10.0.0.2', port: 2375 });
    assert.equal(candidate.explicit, true);
  });

  void it('tcp:// keeps an explicit port', () => {
    const [candidate] = engineCandidates(fakeEnvironment({ DOCKER_HOST: 'tcp://docker.lan:4243' }));
    assert.deepEqual(candidate.options, { protocol: 'http', host: 'docker.lan', port: 4243 });
  });

  void it('tcp:// with DOCKER_TLS_VERIFY reads ca/cert/key from DOCKER_CERT_PATH and uses https on 2376', () => {
    const files = { '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY' };
    const env = { DOCKER_HOST: 'tcp://10.0.0.2', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' };
    const [candidate] = engineCandidates(fakeEnvironment(env, files));
    assert.deepEqual(candidate.options, {
      protocol: 'https',
      host: '10.0.0.2',
      port: 2376,
      ca: Buffer.from('CA'),
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
    });
    assert.equal(candidate.description, 'DOCKER_HOST=tcp://10.0.0.2 (TLS)');
  });

  void it('DOCKER_TLS_VERIFY without DOCKER_CERT_PATH reads the certs from ~/.docker', () => {
    const files = { [join(CONFIG_DIR, 'ca.pem')]: 'CA', [join(CONFIG_DIR, 'cert.pem')]: 'CERT', [join(CONFIG_DIR, 'key.pem')]: 'KEY' };
    const [candidate] = engineCandidates(fakeEnvironment({ DOCKER_HOST: 'tcp://10.0.0.2:2376', DOCKER_TLS_VERIFY: '1' }, files));
    assert.ok('protocol' in candidate.options && candidate.options.protocol === 'https');
    assert.deepEqual((candidate.options as { ca?: Buffer }).ca, Buffer.from('CA'));
  });

  void it('a missing cert file with DOCKER_TLS_VERIFY is an error naming the path', () => {
    const files = { '/certs/ca.pem': 'CA', '/certs/key.pem': 'KEY' };
    const env = { DOCKER_HOST: 'tcp://10.0.0.2', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' };
    assertInvalid(() => engineCandidates(fakeEnvironment(env, files)), '/certs/cert.pem', 'DOCKER_TLS_VERIFY');
  });

  void it('ssh:// keeps user and port', () => {
    const [candidate] = engineCandidates(fakeEnvironment({ DOCKER_HOST: 'ssh://deploy@build.example.com:2222' }));
    assert.deepEqual(candidate.options, { protocol: 'ssh', host: 'build.example.com', port: 2222, username: 'deploy' });
    assert.equal(candidate.explicit, true);
  });

  void it('ssh:// without user or port leaves them to the ssh defaults', () => {
    const [candidate] = engineCandidates(fakeEnvironment({ DOCKER_HOST: 'ssh://build.example.com' }));
    assert.deepEqual(candidate.options, { protocol: 'ssh', host: 'build.example.com' });
  });

  void it('npipe:// is rejected as Windows-only, naming DOCKER_HOST', () => {
    assertInvalid(() => engineCandidates(fakeEnvironment({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' })), 'DOCKER_HOST', 'Windows');
  });

  for (const garbage of ['localhost:2375', 'http://10.0.0.2:2375', 'unix://relative.sock', 'tcp://', 'not a host']) {
    void it(`"${garbage}" is rejected naming DOCKER_HOST and the accepted forms`, () => {
      assertInvalid(() => engineCandidates(fakeEnvironment({ DOCKER_HOST: garbage })), 'DOCKER_HOST', 'unix://');
    });
  }

  void it('wins over a context', () => {
    const files = {
      [join(CONFIG_DIR, 'config.json')]: JSON.stringify({ currentContext: 'colima' }),
      [metaPath(CONFIG_DIR, 'colima')]: meta('colima', 'unix:///colima.sock'),
    };
    const candidates = engineCandidates(fakeEnvironment({ DOCKER_HOST: 'unix:///host.sock', DOCKER_CONTEXT: 'colima' }, files));
    assert.deepEqual(
      candidates.map((c) => c.options),
      [{ socketPath: '/host.sock' }],
    );
  });
});

void describe('contexts', () => {
  void it('resolves config.json currentContext through the sha256 meta path', () => {
    const files = {
      [join(CONFIG_DIR, 'config.json')]: JSON.stringify({ auths: {}, currentContext: 'colima' }),
      [join(CONFIG_DIR, 'contexts', 'meta', sha256('colima'), 'meta.json')]: meta('colima', 'unix:///home/dev/.colima/default/docker.sock'),
      '/var/run/docker.sock': '',
    };
    const candidates = engineCandidates(fakeEnvironment({}, files));
    assert.deepEqual(candidates, [
      { description: 'context "colima" (~/.docker/config.json)', options: { socketPath: '/home/dev/.colima/default/docker.sock' }, explicit: true },
    ]);
  });

  void it('DOCKER_CONTEXT wins over config.json', () => {
    const files = {
      [join(CONFIG_DIR, 'config.json')]: JSON.stringify({ currentContext: 'colima' }),
      [metaPath(CONFIG_DIR, 'colima')]: meta('colima', 'unix:///colima.sock'),
      [metaPath(CONFIG_DIR, 'remote')]: meta('remote', 'ssh://ops@remote.example.com'),
    };
    const [candidate, ...rest] = engineCandidates(fakeEnvironment({ DOCKER_CONTEXT: 'remote' }, files));
    assert.equal(rest.length, 0);
    assert.deepEqual(candidate.options, { protocol: 'ssh', host: 'remote.example.com', username: 'ops' });
    assert.equal(candidate.description, 'context "remote" (DOCKER_CONTEXT)');
  });

  void it('a tcp context with stored TLS files uses https with that material', () => {
    const tlsDir = join(CONFIG_DIR, 'contexts', 'tls', sha256('secure'), 'docker');
    const files = {
      [metaPath(CONFIG_DIR, 'secure')]: meta('secure', 'tcp://10.0.0.9:2376'),
      [join(tlsDir, 'ca.pem')]: 'CA',
      [join(tlsDir, 'cert.pem')]: 'CERT',
      [join(tlsDir, 'key.pem')]: 'KEY',
    };
    const [candidate] = engineCandidates(fakeEnvironment({ DOCKER_CONTEXT: 'secure' }, files));
    assert.deepEqual(candidate.options, {
      protocol: 'https',
      host: '10.0.0.9',
      port: 2376,
      ca: Buffer.from('CA'),
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
    });
    assert.equal(candidate.explicit, true);
  });

  void it('a tcp context without TLS files is plain http', () => {
    const files = { [metaPath(CONFIG_DIR, 'plain')]: meta('plain', 'tcp://10.0.0.9') };
    const [candidate] = engineCandidates(fakeEnvironment({ DOCKER_CONTEXT: 'plain' }, files));
    assert.deepEqual(candidate.options, { protocol: 'http', host: '10.0.0.9', port: 2375 });
  });

  void it('a missing context meta.json is an error naming the context and the fix', () => {
    const files = { [join(CONFIG_DIR, 'config.json')]: JSON.stringify({ currentContext: 'gone' }) };
    assertInvalid(() => engineCandidates(fakeEnvironment({}, files)), '"gone"', 'docker context use default', 'docker context ls');
  });

  void it('a malformed host in a context names its meta.json', () => {
    const files = { [metaPath(CONFIG_DIR, 'odd')]: meta('odd', 'npipe:////./pipe/docker_engine') };
    assertInvalid(() => engineCandidates(fakeEnvironment({ DOCKER_CONTEXT: 'odd' }, files)), metaPath(CONFIG_DIR, 'odd'), 'Windows');
  });

  void it('a malformed config.json is an error naming the file', () => {
    const files = { [join(CONFIG_DIR, 'config.json')]: '{ "currentContext": ' };
    assertInvalid(() => engineCandidates(fakeEnvironment({}, files)), join(CONFIG_DIR, 'config.json'), 'JSON');
  });

  void it('the "default" context falls through to the sockets', () => {
    const files = { [join(CONFIG_DIR, 'config.json')]: JSON.stringify({ currentContext: 'default' }), '/var/run/docker.sock': '' };
    assert.deepEqual(engineCandidates(fakeEnvironment({}, files)), [
      { description: '/var/run/docker.sock', options: { socketPath: '/var/run/docker.sock' }, explicit: false },
    ]);
    assert.equal(engineCandidates(fakeEnvironment({ DOCKER_CONTEXT: 'default' }, files)).length, 1);
  });

  void it('DOCKER_CONFIG replaces ~/.docker for config.json and contexts', () => {
    const configDir = '/etc/dockercfg';
    const files = {
      [join(CONFIG_DIR, 'config.json')]: JSON.stringify({ currentContext: 'ignored' }),
      [join(configDir, 'config.json')]: JSON.stringify({ currentContext: 'colima' }),
      [metaPath(configDir, 'colima')]: meta('colima', 'unix:///colima.sock'),
    };
    const [candidate] = engineCandidates(fakeEnvironment({ DOCKER_CONFIG: configDir }, files));
    assert.deepEqual(candidate.options, { socketPath: '/colima.sock' });
    assert.equal(candidate.description, 'context "colima" (/etc/dockercfg/config.json)');
  });
});

void describe('default sockets', () => {
  const desktop = join(HOME, '.docker', 'run', 'docker.sock');
  const rootless = '/run/user/1000/docker.sock';

  void it('tries /var/run, rootless XDG, then Docker Desktop, in that order', () => {
    const files = { [desktop]: '', [rootless]: '', '/var/run/docker.sock': '' };
    const candidates = engineCandidates(fakeEnvironment({ XDG_RUNTIME_DIR: '/run/user/1000' }, files));
    assert.deepEqual(
      candidates.map((c) => c.options),
      [{ socketPath: '/var/run/docker.sock' }, { socketPath: rootless }, { socketPath: desktop }],
    );
    assert.ok(candidates.every((c) => !c.explicit));
    assert.deepEqual(
      candidates.map((c) => c.description),
      ['/var/run/docker.sock', `rootless ${rootless}`, 'Docker Desktop ~/.docker/run/docker.sock'],
    );
  });

  void it('returns only the sockets that exist', () => {
    const files = { [desktop]: '' };
    const candidates = engineCandidates(fakeEnvironment({ XDG_RUNTIME_DIR: '/run/user/1000' }, files));
    assert.deepEqual(
      candidates.map((c) => c.options),
      [{ socketPath: desktop }],
    );
    assert.deepEqual(engineCandidates(fakeEnvironment({}, {})), []);
  });

  void it('defaultSocketPaths lists every socket looked for, rootless only with XDG_RUNTIME_DIR', () => {
    assert.deepEqual(
      defaultSocketPaths(fakeEnvironment({ XDG_RUNTIME_DIR: '/run/user/1000' })).map((s) => s.path),
      ['/var/run/docker.sock', rootless, desktop],
    );
    assert.deepEqual(
      defaultSocketPaths(fakeEnvironment({})).map((s) => s.path),
      ['/var/run/docker.sock', desktop],
    );
  });

  void it('Docker Desktop stays under the home directory even with DOCKER_CONFIG', () => {
    const files = { [desktop]: '' };
    const candidates = engineCandidates(fakeEnvironment({ DOCKER_CONFIG: '/etc/dockercfg' }, files));
    assert.deepEqual(
      candidates.map((c) => c.options),
      [{ socketPath: desktop }],
    );
  });
});
