/**
 * known_hosts and ~/.ssh/config as OpenSSH reads them. The keys, hashed names
 * and fingerprints come from OpenSSH's own ssh-keygen, so the parser is held
 * to the real format, not to our idea of it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkHostKey, fingerprintOf, knownHostsLine } from '../../src/docker/ssh/knownHosts';
import { resolveSshTarget } from '../../src/docker/ssh/sshConfig';
import { skipOutsideCI } from '../support/skips';

const scratch = mkdtempSync(join(tmpdir(), 'drydock-ssh-unit-'));
const haveKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as { status?: number }).status !== undefined;
  }
})();

/** A fresh ed25519 key: its `type base64` public line and its wire form. */
function makeKey(name: string): { line: string; wire: Buffer; file: string } {
  const file = join(scratch, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  return { line, wire: Buffer.from(line.split(' ')[1] ?? '', 'base64'), file };
}

void describe('known_hosts', { skip: skipOutsideCI(haveKeygen ? undefined : 'ssh-keygen is missing (Debian package openssh-client)') }, () => {
  let host: ReturnType<typeof makeKey>;
  let other: ReturnType<typeof makeKey>;
  before(() => {
    host = makeKey('host');
    other = makeKey('other');
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  void it('computes the fingerprint ssh-keygen -l prints', () => {
    const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${host.file}.pub`], { encoding: 'utf8' });
    assert.ok(printed.includes(fingerprintOf(host.wire)), printed);
  });

  void it('matches host on port 22 and [host]:port on another, never one for the other', () => {
    assert.equal(checkHostKey(`example.org ${host.line}\n`, 'example.org', 22, host.wire).status, 'known');
    assert.equal(checkHostKey(`example.org ${host.line}\n`, 'example.org', 2222, host.wire).status, 'unknown');
    assert.equal(checkHostKey(`[example.org]:2222 ${host.line}\n`, 'example.org', 2222, host.wire).status, 'known');
    assert.equal(checkHostKey(`# comment\n\nalias,example.org,10.0.0.1 ${host.line}\n`, '10.0.0.1', 22, host.wire).status, 'known');
  });

  void it('reads names hashed by ssh-keygen -H', () => {
    const file = join(scratch, 'hashed');
    writeFileSync(file, `[127.0.0.1]:2200 ${host.line}\nexample.org ${other.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /127\.0\.0\.1|example\.org/);
    assert.equal(checkHostKey(text, '127.0.0.1', 2200, host.wire).status, 'known');
    assert.equal(checkHostKey(text, '127.0.0.1', 2200, other.wire).status, 'changed');
    assert.equal(checkHostKey(text, 'example.org', 22, other.wire).status, 'known');
    assert.equal(checkHostKey(text, 'example.net', 22, other.wire).status, 'unknown');
  });

  void it('calls a different key for a known host changed, and a revoked key revoked anywhere', () => {
    const verdict = checkHostKey(`example.org ${other.line}\n`, 'example.org', 22, host.wire);
    assert.deepEqual(verdict, { status: 'changed', knownTypes: ['ssh-ed25519'] });
    assert.equal(checkHostKey(`example.org ${host.line}\n@revoked * ${host.line}\n`, 'example.org', 22, host.wire).status, 'revoked');
    // A CA line is not a host key: a host known only through it is unknown here.
    assert.equal(checkHostKey(`@cert-authority *.example.org ${host.line}\n`, 'a.example.org', 22, host.wire).status, 'unknown');
  });

  void it('follows patterns, with a negated one vetoing', () => {
    const text = `*.example.org,!bad.example.org ${host.line}\n`;
    assert.equal(checkHostKey(text, 'good.example.org', 22, host.wire).status, 'known');
    assert.equal(checkHostKey(text, 'bad.example.org', 22, host.wire).status, 'unknown');
    assert.equal(checkHostKey(`host?.lan ${host.line}\n`, 'host7.lan', 22, host.wire).status, 'known');
  });

  void it('writes a line OpenSSH finds for the host', () => {
    const file = join(scratch, 'written');
    writeFileSync(file, knownHostsLine('127.0.0.1', 2200, host.wire));
    assert.match(execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2200', '-f', file], { encoding: 'utf8' }), /ssh-ed25519/);
  });
});

void describe('~/.ssh/config', () => {
  const base = { homeDir: '/home/me', localUser: 'me' };
  const config = [
    'Host build-box',
    '  HostName 10.1.2.3',
    '  Port 2222',
    '  User builder',
    '  IdentityFile ~/.ssh/build_%h_%r',
    '  UserKnownHostsFile ~/.ssh/known_hosts_build',
    'Host jump',
    '  ProxyJump bastion',
    'Host *',
    '  IdentityFile ~/.ssh/every_host',
    '',
  ].join('\n');

  void it("resolves an alias's HostName, Port, User and IdentityFile (tokens expanded), then OpenSSH's default keys", () => {
    assert.deepEqual(resolveSshTarget({ ...base, host: 'build-box', configText: config }), {
      alias: 'build-box',
      hostname: '10.1.2.3',
      port: 2222,
      username: 'builder',
      identityFiles: [
        '/home/me/.ssh/build_10.1.2.3_builder',
        '/home/me/.ssh/every_host',
        '/home/me/.ssh/id_ed25519',
        '/home/me/.ssh/id_ecdsa',
        '/home/me/.ssh/id_rsa',
      ],
      knownHostsFile: '/home/me/.ssh/known_hosts_build',
    });
  });

  void it('lets the address win over the file, as ssh does, and defaults to the local user on port 22', () => {
    const target = resolveSshTarget({ ...base, host: 'build-box', port: 22, username: 'root', configText: config });
    assert.equal(target.port, 22);
    assert.equal(target.username, 'root');
    const plain = resolveSshTarget({ ...base, host: 'elsewhere.example', configText: config });
    assert.deepEqual([plain.hostname, plain.port, plain.username, plain.knownHostsFile], ['elsewhere.example', 22, 'me', '/home/me/.ssh/known_hosts']);
    assert.equal(resolveSshTarget({ ...base, host: 'x' }).identityFiles[0], '/home/me/.ssh/id_ed25519');
  });

  void it('refuses ProxyJump with a clear message', () => {
    assert.throws(() => resolveSshTarget({ ...base, host: 'jump', configText: config }), /ProxyJump is not supported for a Docker engine/);
  });

  void it('never runs a Match exec command from the file', () => {
    const marker = join(tmpdir(), `drydock-match-exec-${process.pid}`);
    const target = resolveSshTarget({ ...base, host: 'x', configText: `Match exec "touch ${marker}"\n  HostName evil\n` });
    assert.equal(existsSync(marker), false);
    assert.equal(target.hostname, 'x');
  });
});
