import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { VERSION } from '../../src/core/version';

const cli = join(__dirname, '../../../dist/cli.js');
const home = mkdtempSync(join(tmpdir(), 'dd-clistart-'));
const folder = join(home, 'drydock');
const run = (...args: string[]): string => execFileSync(process.execPath, [cli, ...args], { env: { ...process.env, XDG_CACHE_HOME: home }, encoding: 'utf8' });
const caches = (): string[] => readdirSync(folder).filter((name) => name.endsWith('.cache'));

after(() => rmSync(home, { recursive: true, force: true }));

void describe("the CLI's start: its bundle run with V8's code cache (dist/cli.js)", () => {
  void it('writes a private cache per command on its first run, and uses it (unchanged) on the next', () => {
    assert.equal(run('--version').trim(), VERSION);
    assert.deepEqual(caches().length, 1);
    assert.match(run('ls', '--help'), /drydock ls/);
    const names = caches();
    assert.equal(names.length, 2, names.join(', '));
    assert.ok(names.some((name) => name.endsWith('-ls.cache')) && names.some((name) => name.endsWith('-other.cache')), names.join(', '));
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    const file = join(
      folder,
      names.find((name) => name.endsWith('-ls.cache'))!,
    );
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const written = statSync(file).mtimeMs;
    const bytes = readFileSync(file);
    assert.match(run('ls', '--help'), /drydock ls/);
    // V8 took it: a refused cache would have been written again.
    assert.equal(statSync(file).mtimeMs, written);
    assert.deepEqual(readFileSync(file), bytes);
  });

  void it('a cache V8 refuses (damaged, another Node) costs nothing but the cache: the command runs and it is written anew', () => {
    const file = join(
      folder,
      caches().find((name) => name.endsWith('-ls.cache'))!,
    );
    writeFileSync(file, 'not a code cache');
    utimesSync(file, new Date(2020, 0, 1), new Date(2020, 0, 1));
    assert.match(run('ls', '--help'), /drydock ls/);
    assert.notEqual(readFileSync(file, 'utf8'), 'not a code cache');
  });

  void it('a cache in a folder others may write is neither read nor written', () => {
    const file = join(
      folder,
      caches().find((name) => name.endsWith('-ls.cache'))!,
    );
    writeFileSync(file, 'planted by someone else');
    chmodSync(folder, 0o777);
    try {
      assert.match(run('ls', '--help'), /drydock ls/);
      assert.equal(readFileSync(file, 'utf8'), 'planted by someone else');
    } finally {
      chmodSync(folder, 0o700);
    }
  });

  void it('a command that fails leaves no cache (a typo must not leave a file)', () => {
    const failed = spawnSync(process.execPath, [cli, 'frobnicate'], { env: { ...process.env, XDG_CACHE_HOME: home }, encoding: 'utf8' });
    assert.notEqual(failed.status, 0);
    assert.deepEqual(
      caches().filter((name) => name.endsWith('-frobnicate.cache')),
      [],
    );
  });

  void it('keeps the caches of the newest few builds only', () => {
    for (let build = 0; build < 6; build++) {
      const name = join(folder, `cli-v0.0.${build}-x64-1-1-ls.cache`);
      writeFileSync(name, 'old');
      utimesSync(name, new Date(2020, 0, 1 + build), new Date(2020, 0, 1 + build));
    }
    rmSync(
      join(
        folder,
        caches().find((name) => name.endsWith('-other.cache') && !name.startsWith('cli-v0.'))!,
      ),
    );
    assert.equal(run('--version').trim(), VERSION);
    const left = caches().filter((name) => name.startsWith('cli-v0.'));
    // This build's caches and those of the three newest other builds.
    assert.deepEqual(left.sort(), ['cli-v0.0.3-x64-1-1-ls.cache', 'cli-v0.0.4-x64-1-1-ls.cache', 'cli-v0.0.5-x64-1-1-ls.cache']);
  });
});

void describe('the command as npm links it (dist/cli.js run itself)', () => {
  // A path that holds no certificates: a Node started with it says so on stderr before any script runs.
  const env = { ...process.env, XDG_CACHE_HOME: home, NODE_EXTRA_CA_CERTS: join(home, 'no-such-ca-bundle.pem') };

  void it('starts Node without NODE_EXTRA_CA_CERTS, which Node would read and parse before the CLI runs', () => {
    const launched = spawnSync(cli, ['--version'], { env, encoding: 'utf8' });
    assert.equal(launched.status, 0, launched.stderr);
    assert.equal(launched.stdout.trim(), VERSION);
    assert.doesNotMatch(launched.stderr, /extra certs/);
    // The same bundle started by Node itself reads the variable: what the launcher spares it.
    const direct = spawnSync(process.execPath, [cli, '--version'], { env, encoding: 'utf8' });
    assert.equal(direct.stdout.trim(), VERSION);
    assert.match(direct.stderr, /Ignoring extra certs from `.*no-such-ca-bundle\.pem`/);
  });

  void it(
    "hands NODE_EXTRA_CA_CERTS back: `daemon install`'s unit carries it",
    { skip: process.platform === 'linux' ? false : 'the systemd unit is written on Linux only (launchd elsewhere)' },
    () => {
      // systemctl that always fails: the unit is written, nothing is enabled on this machine.
      const bin = join(home, 'bin');
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, 'systemctl'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      const config = join(home, 'config');
      const installed = spawnSync(cli, ['daemon', 'install'], {
        env: { ...env, PATH: `${bin}:${process.env.PATH ?? ''}`, XDG_CONFIG_HOME: config },
        encoding: 'utf8',
      });
      assert.equal(installed.status, 0, installed.stderr);
      const unit = readFileSync(join(config, 'systemd/user/drydock.service'), 'utf8');
      assert.ok(unit.split('\n').includes(`Environment="NODE_EXTRA_CA_CERTS=${env.NODE_EXTRA_CA_CERTS}"`), unit);
      assert.doesNotMatch(unit, /DRYDOCK_NODE_EXTRA_CA_CERTS/);
    },
  );

  void it('passes each argument through whole, spaces and quotes included', () => {
    const launched = spawnSync(cli, ['no such "command"', 'x'], { env, encoding: 'utf8' });
    assert.equal(launched.status, 2);
    assert.match(launched.stderr, /^drydock: unknown command "no such "command""/);
  });
});
