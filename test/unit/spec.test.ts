import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDrydockError } from '../../src/core/errors';
import { parseEnvPairs } from '../../src/core/envPairs';
import { parseCpus, parseWorkspaceSpec, type HostLimits } from '../../src/core/spec';
import { assertInvalid } from '../support/refusals';

/** A host as Docker reports it: memory is never a round number. */
const HOST_MEMORY = 8_254_390_272; // 7.7 GiB
const LIMITS: HostLimits = { cpus: 4, memoryBytes: HOST_MEMORY };
const MINIMAL = { name: 'api', image: 'ubuntu:24.04' };

const parse = (extra: Record<string, unknown>, limits: HostLimits = LIMITS) => parseWorkspaceSpec({ ...MINIMAL, ...extra }, limits);

void describe('parseWorkspaceSpec: defaults', () => {
  void it('fills env and adds nothing else (no pull policy: the default decides, see imageReference.test.ts)', () => {
    assert.deepEqual(parseWorkspaceSpec(MINIMAL, LIMITS), {
      name: 'api',
      image: 'ubuntu:24.04',
      env: {},
      configurePath: '/coder/configure',
      hookTimeoutMs: 600_000,
      secrets: [],
    });
  });

  void it('keeps every given field', () => {
    const spec = parse({ user: 'dev', cpus: 2, memory: '2g', env: { EDITOR: 'vim' }, pullPolicy: 'always' });
    assert.deepEqual(spec, {
      name: 'api',
      image: 'ubuntu:24.04',
      user: 'dev',
      cpus: 2,
      memoryBytes: 2 * 1024 ** 3,
      env: { EDITOR: 'vim' },
      pullPolicy: 'always',
      configurePath: '/coder/configure',
      hookTimeoutMs: 600_000,
      secrets: [],
    });
  });

  void it('accepts every pull policy and refuses others', () => {
    for (const pullPolicy of ['always', 'missing', 'never']) assert.equal(parse({ pullPolicy }).pullPolicy, pullPolicy);
    assertInvalid(() => parse({ pullPolicy: 'sometimes' }), 'pullPolicy', 'always', 'missing', 'never');
  });

  void it('refuses input that is not an object', () => {
    for (const input of [null, undefined, 'api', 42, []])
      assert.throws(
        () => parseWorkspaceSpec(input, LIMITS),
        (error: unknown) => isDrydockError(error, 'invalid_input'),
      );
  });

  void it('requires name and image', () => {
    const message = assertInvalid(() => parseWorkspaceSpec({}, LIMITS), 'name', 'name:', 'is required');
    assert.match(message, /^image: .*required/m);
  });
});

void describe('parseWorkspaceSpec: name', () => {
  void it('accepts DNS labels up to 63 characters', () => {
    for (const name of ['a', 'api', 'api-dev', '1api', 'a'.repeat(63)]) assert.equal(parse({ name }).name, name);
  });

  void it('refuses anything that is not a DNS label', () => {
    for (const name of ['API', 'Api', '-api', 'api-', 'a'.repeat(64), 'api_dev', '', 'a.b', 'a b']) {
      assertInvalid(() => parse({ name }), 'name', 'name:', 'DNS label');
    }
  });

  void it('refuses a name that is not a string', () => {
    assertInvalid(() => parse({ name: 7 }), 'name', 'name:');
  });
});

void describe('parseWorkspaceSpec: image', () => {
  void it('accepts image references', () => {
    const digest = `a@sha256:${'0123456789abcdef'.repeat(4)}`;
    for (const image of [
      'ubuntu',
      'ubuntu:24.04',
      'ghcr.io/org/dev:latest',
      'localhost:5000/a/b:1',
      digest,
      'ubuntu:24.04@sha256:' + 'f'.repeat(64),
      'my_org/dev-box.v2',
    ]) {
      assert.equal(parse({ image }).image, image);
    }
  });

  void it('refuses malformed references with an example', () => {
    for (const image of ['Ubuntu', 'a b', ':tag', 'x:', '', 'ubuntu:', '/ubuntu', 'ubuntu/', 'a@sha256:xyz']) {
      assertInvalid(() => parse({ image }), 'image', 'image:', 'ubuntu:24.04');
    }
  });

  void it('refuses references longer than 255 characters', () => {
    assertInvalid(() => parse({ image: 'a'.repeat(256) }), 'image', '255');
  });
});

void describe('parseWorkspaceSpec: user', () => {
  void it('accepts POSIX user names', () => {
    for (const user of ['dev', '_svc', 'dev-1', 'a_b']) assert.equal(parse({ user }).user, user);
  });

  void it('leaves user out when not given', () => {
    assert.ok(!('user' in parse({})));
  });

  void it('refuses names that are not POSIX user names', () => {
    for (const user of ['Dev', '1abc', '-dev', 'a'.repeat(33), '', 'de v']) assertInvalid(() => parse({ user }), 'user', 'user:', 'POSIX');
  });

  void it('refuses root and says what to do instead', () => {
    assertInvalid(() => parse({ user: 'root' }), 'user', 'user:', 'root', 'non-root');
  });
});

void describe('parseWorkspaceSpec: cpus', () => {
  void it('accepts fractional and whole counts up to the host', () => {
    assert.equal(parse({ cpus: 0.5 }).cpus, 0.5);
    assert.equal(parse({ cpus: 4 }).cpus, 4);
  });

  void it('takes a number only: a string, even a numeric one, is refused (the CLI parses what a person types)', () => {
    for (const cpus of ['2', 'many', true, [1]]) assertInvalid(() => parse({ cpus }), 'cpus', 'cpus:', 'number');
  });

  void it('refuses zero, negative and tiny counts (1e-9 would mean no limit at all)', () => {
    for (const cpus of [0, -1, 1e-9, 0.009]) assertInvalid(() => parse({ cpus }), 'cpus', 'cpus:', 'at least 0.01');
    assert.equal(parse({ cpus: 0.01 }).cpus, 0.01);
  });

  void it('refuses true, [1] and "0x1", naming the field', () => {
    for (const cpus of [true, [1], '0x1', { n: 1 }, null]) assertInvalid(() => parse({ cpus }), 'cpus', 'cpus:', 'number of CPUs');
  });
});

void describe('parseCpus (what a person types after --cpus)', () => {
  void it('reads decimal counts', () => {
    assert.equal(parseCpus('2'), 2);
    assert.equal(parseCpus('0.5'), 0.5);
    assert.equal(parseCpus('.5'), 0.5);
  });

  void it('refuses anything else, naming the option', () => {
    for (const text of ['many', '0x1', '1e-9', '', '-1', '2 cpus']) assertInvalid(() => parseCpus(text, '--cpus'), '--cpus', '--cpus:', 'not a number of CPUs');
  });

  void it("refuses more than the host has, naming the host's count", () => {
    assertInvalid(() => parse({ cpus: 8 }), 'cpus', 'cpus:', '4');
    const message = assertInvalid(() => parse({ cpus: 3 }, { cpus: 2 }), 'cpus', '2');
    assert.ok(!message.includes('4'), message);
  });
});

void describe('parseWorkspaceSpec: memory', () => {
  void it('converts a size into memoryBytes and drops memory', () => {
    const spec = parse({ memory: '512m' });
    assert.equal(spec.memoryBytes, 536_870_912);
    assert.ok(!('memory' in spec));
  });

  void it('accepts a number of bytes', () => {
    assert.equal(parse({ memory: 1_048_576_000 }).memoryBytes, 1_048_576_000);
  });

  void it('leaves memoryBytes out when not given', () => {
    assert.ok(!('memoryBytes' in parse({})));
  });

  void it("refuses sizes below Docker's minimum", () => {
    const message = assertInvalid(() => parse({ memory: '1m' }), 'memory', 'memory:', '6m');
    assert.ok(!message.startsWith('memory: memory:'), message);
  });

  void it("refuses more than Docker's host has, naming the host's amount, before anything reaches Docker", () => {
    const message = assertInvalid(() => parse({ memory: '8g' }), 'memory', 'memory:', '7.7g', String(HOST_MEMORY), 'ask for 7g or less');
    assert.equal(message.split('\n').length, 1, message);
    for (const memory of ['99999t', '9'.repeat(400), 2 ** 60]) assertInvalid(() => parse({ memory }), 'memory', 'memory:', '7.7g');
    assert.equal(parse({ memory: '7g' }).memoryBytes, 7 * 1024 ** 3);
    assert.equal(parse({ memory: HOST_MEMORY }).memoryBytes, HOST_MEMORY);
    assertInvalid(() => parse({ memory: '600m' }, { cpus: 4, memoryBytes: 512 * 1024 ** 2 }), 'memory', '512m', 'ask for 512m or less');
  });

  void it('reports a bad size once, not also as over the host', () => {
    for (const memory of ['lots', '1m']) assert.equal(assertInvalid(() => parse({ memory }), 'memory').split('\n').length, 1);
  });

  void it('refuses text that is not a size and values of the wrong type', () => {
    assertInvalid(() => parse({ memory: 'lots' }), 'memory', 'memory:', '512m');
    assertInvalid(() => parse({ memory: true }), 'memory', 'memory:', '512m');
  });
});

void describe('parseWorkspaceSpec: env', () => {
  void it('accepts valid variable names and any string value', () => {
    const env = { EDITOR: 'vim', _X: '', a1: 'x=y', PATH: '/usr/bin:/bin' };
    assert.deepEqual(parse({ env }).env, env);
  });

  void it('refuses invalid variable names, naming the key and the fix', () => {
    for (const key of ['1BAD', 'A-B', 'A B', '']) {
      assertInvalid(() => parse({ env: { [key]: 'x' } }), `env.${key}`, 'env', 'variable name');
    }
  });

  void it('refuses a NUL byte in a value', () => {
    assertInvalid(() => parse({ env: { A: 'x\0y' } }), 'env.A', 'env.A', 'NUL');
  });

  void it('refuses values that are not strings', () => {
    assertInvalid(() => parse({ env: { A: 1 } }), 'env.A', 'env.A', 'string');
  });
});

void describe('parseWorkspaceSpec: errors', () => {
  void it('refuses an unknown field, naming it and the known ones', () => {
    assertInvalid(() => parse({ colour: 'red' }), 'colour', 'colour', 'not a workspace field', 'pullPolicy');
  });

  void it('names every unknown field, not only the first', () => {
    const message = assertInvalid(() => parse({ colour: 'red', size: 'xl' }), 'colour');
    assert.match(message, /^colour: is not a workspace field/m);
    assert.match(message, /^size: is not a workspace field/m);
  });

  void it('refuses a spec, a secret or dotfiles that is a list or a string, saying what to give', () => {
    assertInvalid(() => parseWorkspaceSpec([], LIMITS), 'spec', 'spec: must be an object of workspace fields such as');
    assertInvalid(() => parseWorkspaceSpec('api', LIMITS), 'spec', 'must be an object');
    assertInvalid(() => parse({ secrets: [[]] }), 'secrets.0', 'must be an object such as');
    assertInvalid(() => parse({ dotfiles: [] }), 'dotfiles', 'must be an object such as');
  });

  void it('gives a missing field inside a secret its own message', () => {
    assertInvalid(() => parse({ secrets: [{ source: '/tmp/a' }] }), 'secrets.0.target', 'secrets.0.target: is required: the path under home');
  });

  void it('names an unknown key inside a secret or dotfiles by its whole path, with the fields it may have', () => {
    const secret = { source: '/tmp/a', target: '.a', owner: 'root' };
    const message = assertInvalid(
      () => parse({ secrets: [{ source: '/tmp/b', target: '.b' }, secret] }),
      'secrets.1.owner',
      'not a secret field',
      'source, target, mode',
    );
    assert.match(message, /^secrets\.1\.owner: /);
    assertInvalid(() => parse({ dotfiles: { url: 'https://example.com/d.git', ref: 'main' } }), 'dotfiles.ref', 'dotfiles.ref: ', 'url, branch');
  });

  void it('reports every problem in one error whose field is the first one', () => {
    const message = assertInvalid(() => parseWorkspaceSpec({ name: 'API', image: 'Ubuntu', cpus: 0, memory: '1m', colour: 'red' }, LIMITS), 'name');
    const lines = message.split('\n');
    assert.equal(lines.length, 5, message);
    assert.ok(lines[0].startsWith('name: '), message);
    for (const field of ['image', 'cpus', 'memory', 'colour']) {
      assert.ok(
        lines.some((line) => line.startsWith(`${field}: `)),
        `"${message}" should report ${field}`,
      );
    }
  });

  void it('reports schema and size problems together', () => {
    const message = assertInvalid(() => parse({ env: { A: 1 }, memory: 'lots' }), 'memory');
    assert.match(message, /^env\.A: /m);
    assert.match(message, /^memory: /m);
  });
});

void describe('parseEnvPairs', () => {
  void it('splits at the first "="', () => {
    assert.deepEqual(parseEnvPairs(['A=b=c']), { A: 'b=c' });
    assert.deepEqual(parseEnvPairs(['EDITOR=vim', 'EMPTY=', 'URL=http://x?a=1']), { EDITOR: 'vim', EMPTY: '', URL: 'http://x?a=1' });
  });

  void it('lets a later pair win', () => {
    assert.deepEqual(parseEnvPairs(['A=1', 'A=2']), { A: '2' });
  });

  void it('returns an empty record for no pairs', () => {
    assert.deepEqual(parseEnvPairs([]), {});
  });

  void it('refuses pairs without a key, suggesting KEY=VALUE', () => {
    for (const pair of ['=x', 'nokey', '']) assertInvalid(() => parseEnvPairs([pair]), 'env', 'env:', 'KEY=VALUE');
  });

  void it('names the field it was given', () => {
    assertInvalid(() => parseEnvPairs(['nokey'], 'hookEnv'), 'hookEnv', 'hookEnv:', '"nokey"');
  });
});

void describe('parseWorkspaceSpec: hooks', () => {
  void it('reads hook settings, with secret targets made relative to home', () => {
    const spec = parse({
      user: 'dev',
      configurePath: '/opt/setup',
      hookTimeout: '1h30m',
      sshKey: '/home/me/.ssh/id_ed25519',
      knownHosts: 'github.com ssh-ed25519 AAAA\n',
      secrets: [
        { source: '/home/me/token', target: '/home/dev/.config/tool/token', mode: '0640' },
        { source: '/home/me/netrc', target: '~/.netrc' },
      ],
      dotfiles: { url: 'https://github.com/me/dotfiles', branch: 'main' },
    });
    assert.equal(spec.configurePath, '/opt/setup');
    assert.equal(spec.hookTimeoutMs, 90 * 60_000);
    assert.deepEqual(spec.secrets, [
      { source: '/home/me/token', target: '.config/tool/token', mode: 0o640 },
      { source: '/home/me/netrc', target: '.netrc', mode: 0o600 },
    ]);
    assert.deepEqual(spec.dotfiles, { url: 'https://github.com/me/dotfiles', branch: 'main' });
  });

  void it('refuses a secret that leaves home, naming the secret', () => {
    assertInvalid(
      () =>
        parse({
          secrets: [
            { source: '/tmp/a', target: '.ok' },
            { source: '/tmp/b', target: '../../etc/cron.d/x' },
          ],
        }),
      'secrets.1.target',
      'leaves home',
    );
  });

  void it('refuses relative host paths, bad modes, bad timeouts and option-like dotfiles', () => {
    assertInvalid(() => parse({ sshKey: 'id_rsa' }), 'sshKey', 'absolute path');
    assertInvalid(() => parse({ secrets: [{ source: '/tmp/a', target: '.a', mode: '999' }] }), 'secrets.0.mode', 'octal');
    assertInvalid(() => parse({ hookTimeout: 'soon' }), 'hookTimeout', '90m');
    assertInvalid(() => parse({ configurePath: 'coder/configure' }), 'configurePath', 'absolute');
    assertInvalid(() => parse({ dotfiles: { url: '--upload-pack=x' } }), 'dotfiles.url', 'option');
    assertInvalid(() => parse({ dotfiles: { url: '/tmp/dots', branch: '-b' } }), 'dotfiles.branch', 'option');
  });
});
