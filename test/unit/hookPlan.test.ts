import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  INSTALL_SCRIPTS,
  checkBranch,
  checkDotfilesUrl,
  dotfilesToLink,
  parentDirectories,
  pathComponents,
  pickInstallScript,
  secretTargetInHome,
} from '../../src/core/hookPlan';

void describe('dotfiles install script choice', () => {
  void it('runs the first existing script in the documented order', () => {
    assert.equal(
      pickInstallScript((path) => ['setup.sh', 'bootstrap'].includes(path)),
      'bootstrap',
    );
    assert.equal(
      pickInstallScript((path) => path === 'script/setup'),
      'script/setup',
    );
    assert.equal(
      pickInstallScript(() => false),
      undefined,
    );
    assert.deepEqual([...INSTALL_SCRIPTS], ['install.sh', 'install', 'bootstrap.sh', 'bootstrap', 'script/bootstrap', 'setup.sh', 'setup', 'script/setup']);
  });

  void it('links dotfiles but not .git or ordinary files', () => {
    assert.deepEqual(dotfilesToLink(['.vimrc', '.git', 'README.md', '.bashrc', '.config']), ['.bashrc', '.config', '.vimrc']);
  });
});

void describe('dotfiles URL and branch', () => {
  void it('accepts https, ssh, scp-like, git, file and local paths', () => {
    for (const url of [
      'https://github.com/me/dotfiles',
      'https://github.com/me/dotfiles.git',
      'ssh://git@host/me/dots',
      'git@github.com:me/dotfiles.git',
      'git://host/dots',
      'file:///srv/dots',
      '/home/me/dotfiles',
    ]) {
      assert.equal(checkDotfilesUrl(url), undefined, url);
    }
  });

  void it('refuses option-like URLs, transport helpers and junk, saying what to give instead', () => {
    assert.match(checkDotfilesUrl('--upload-pack=touch /tmp/x') ?? '', /option/);
    assert.match(checkDotfilesUrl('-oProxyCommand=x') ?? '', /option/);
    assert.match(checkDotfilesUrl('ext::sh -c id') ?? '', /white space|helper/);
    assert.match(checkDotfilesUrl('ext::sh') ?? '', /helper/);
    assert.match(checkDotfilesUrl('fd::3') ?? '', /helper/);
    assert.match(checkDotfilesUrl('dotfiles') ?? '', /https:\/\//);
    assert.match(checkDotfilesUrl('https://x/a b') ?? '', /white space/);
  });

  void it('accepts ordinary branch names and refuses option-like or malformed ones', () => {
    for (const branch of ['main', 'feature/x', 'v1.2', 'user_name-1']) assert.equal(checkBranch(branch), undefined, branch);
    assert.match(checkBranch('--orphan') ?? '', /option/);
    for (const branch of ['a..b', 'a b', 'end/', 'x.lock', '.hidden', 'a//b', 'a@{1}']) assert.ok(checkBranch(branch), branch);
  });
});

void describe('secret targets', () => {
  void it('resolves ~/, relative and /home/<user>/ paths to a path under home', () => {
    assert.deepEqual(secretTargetInHome('~/.netrc', undefined), { relative: '.netrc' });
    assert.deepEqual(secretTargetInHome('.config/gh/hosts.yml', undefined), { relative: '.config/gh/hosts.yml' });
    assert.deepEqual(secretTargetInHome('/home/dev/.config/x', 'dev'), { relative: '.config/x' });
    assert.deepEqual(secretTargetInHome('a/./b', undefined), { relative: 'a/b' });
  });

  void it('refuses targets that leave home', () => {
    for (const target of ['../etc/passwd', '/etc/shadow', '~/../../root/x', 'a/../../x', '/home/other/x', '..', '', '~/', 'dir/']) {
      const result = secretTargetInHome(target, 'dev');
      assert.ok('error' in result, target);
    }
    assert.ok('error' in secretTargetInHome('/home/dev/x', undefined), 'an absolute path needs the user to be known');
  });

  void it('lists the folders a target needs, outermost first', () => {
    assert.deepEqual(parentDirectories('.config/gh/hosts.yml'), ['.config', '.config/gh']);
    assert.deepEqual(parentDirectories('.netrc'), []);
  });

  void it('lists every path a target passes through, itself last, for the symlink check', () => {
    assert.deepEqual(pathComponents('.config/my tool/ünï'), ['.config', '.config/my tool', '.config/my tool/ünï']);
    assert.deepEqual(pathComponents('.netrc'), ['.netrc']);
  });
});
