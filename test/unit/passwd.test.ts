import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePasswd, resolveWorkspaceUser, type PasswdEntry } from '../../src/core/passwd';
import { assertRefused } from '../support/refusals';

const IMAGE = 'ghcr.io/org/dev:latest';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'dev:x:1000:1000:Dev,,,:/home/dev:/bin/bash',
  'ops:x:1001:1001::/home/ops:/bin/zsh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
].join('\n');

const entries = parsePasswd(PASSWD);
const byName = (name: string): PasswdEntry => {
  const entry = entries.find((candidate) => candidate.name === name);
  assert.ok(entry, name);
  return entry;
};

const assertUserMissing = (fn: () => unknown, ...fragments: string[]): string => assertRefused('user_missing', fn, 'user', ...fragments);

void describe('parsePasswd', () => {
  void it('reads name, uid, gid, home and shell', () => {
    assert.deepEqual(parsePasswd('dev:x:1000:1001:Dev:/home/dev:/bin/bash'), [{ name: 'dev', uid: 1000, gid: 1001, home: '/home/dev', shell: '/bin/bash' }]);
  });

  void it('reads every well-formed line in order', () => {
    assert.deepEqual(
      entries.map((entry) => entry.name),
      ['root', 'daemon', 'dev', 'ops', 'nobody'],
    );
    assert.equal(byName('nobody').uid, 65534);
  });

  void it('skips comments, blank lines and malformed lines', () => {
    const text = [
      '# a comment',
      '',
      'dev:x:1000:1000::/home/dev:/bin/bash',
      'just-a-name',
      ':x:1001:1001::/home/anon:/bin/sh',
      'nouid:x:abc:1000::/home/nouid:/bin/sh',
      'nogid:x:1002:xyz::/home/nogid:/bin/sh',
      'emptyuid:x::1000::/home/emptyuid:/bin/sh',
      'emptygid:x:1003:::/home/emptygid:/bin/sh',
      'short:x:1004',
      'ops:x:1001:1001::/home/ops:/bin/zsh',
      '',
    ].join('\n');
    assert.deepEqual(
      parsePasswd(text).map((entry) => entry.name),
      ['dev', 'ops'],
    );
  });

  void it('returns nothing for an empty file', () => {
    assert.deepEqual(parsePasswd(''), []);
  });
});

void describe('resolveWorkspaceUser', () => {
  void it('returns the explicitly requested user', () => {
    assert.deepEqual(resolveWorkspaceUser({ requested: 'ops', imageUser: 'dev', passwd: entries, image: IMAGE }), byName('ops'));
  });

  void it('prefers the requested user over an image that runs as root', () => {
    assert.deepEqual(resolveWorkspaceUser({ requested: 'dev', imageUser: '', passwd: entries, image: IMAGE }), byName('dev'));
  });

  void it('refuses a requested user the image lacks, listing its regular users', () => {
    const message = assertUserMissing(
      () => resolveWorkspaceUser({ requested: 'alice', imageUser: 'dev', passwd: entries, image: IMAGE }),
      'alice',
      IMAGE,
      'dev',
      'ops',
    );
    assert.ok(!message.includes('daemon'), 'system users are not suggested');
    assert.ok(!message.includes('nobody'), 'nobody is not suggested');
  });

  void it('says so when the image has no regular users', () => {
    assertUserMissing(
      () => resolveWorkspaceUser({ requested: 'alice', imageUser: '', passwd: parsePasswd('root:x:0:0::/root:/bin/sh'), image: IMAGE }),
      'no regular users',
    );
  });

  void it('refuses a requested account with uid 0 whatever its name', () => {
    const passwd = parsePasswd('toor:x:0:0::/root:/bin/sh\ndev:x:1000:1000::/home/dev:/bin/sh');
    assertUserMissing(() => resolveWorkspaceUser({ requested: 'toor', imageUser: 'dev', passwd, image: IMAGE }), 'root', '--user');
  });

  void it("uses the image's USER given by name", () => {
    assert.deepEqual(resolveWorkspaceUser({ requested: undefined, imageUser: 'dev', passwd: entries, image: IMAGE }), byName('dev'));
  });

  void it("uses the image's USER given by uid", () => {
    assert.deepEqual(resolveWorkspaceUser({ requested: undefined, imageUser: '1001', passwd: entries, image: IMAGE }), byName('ops'));
  });

  void it("ignores a ':group' suffix on the image's USER", () => {
    assert.deepEqual(resolveWorkspaceUser({ requested: undefined, imageUser: 'dev:staff', passwd: entries, image: IMAGE }), byName('dev'));
    assert.deepEqual(resolveWorkspaceUser({ requested: undefined, imageUser: '1000:1000', passwd: entries, image: IMAGE }), byName('dev'));
  });

  void it('tells to use --user when the image runs as root', () => {
    for (const imageUser of ['', 'root', '0', 'root:root', '0:0']) {
      assertUserMissing(() => resolveWorkspaceUser({ requested: undefined, imageUser, passwd: entries, image: IMAGE }), '--user', IMAGE, 'dev');
    }
  });

  void it('refuses an image USER that is another name for uid 0', () => {
    const passwd = parsePasswd('toor:x:0:0::/root:/bin/sh');
    assertUserMissing(() => resolveWorkspaceUser({ requested: undefined, imageUser: 'toor', passwd, image: IMAGE }), 'root', '--user');
  });

  void it('refuses an image USER its /etc/passwd does not define', () => {
    assertUserMissing(
      () => resolveWorkspaceUser({ requested: undefined, imageUser: 'ghost', passwd: entries, image: IMAGE }),
      'ghost',
      '/etc/passwd',
      '--user',
    );
    assertUserMissing(() => resolveWorkspaceUser({ requested: undefined, imageUser: '4242', passwd: entries, image: IMAGE }), '4242', '--user');
    assertUserMissing(() => resolveWorkspaceUser({ requested: undefined, imageUser: 'dev', passwd: [], image: IMAGE }), 'dev', '--user');
  });
});
