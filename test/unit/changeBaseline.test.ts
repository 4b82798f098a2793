import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { losesNothing, safetyHeading, safetyLines } from '../../src/client/rebuildSafetyText';
import { formatBytes } from '../../src/core/memory';
import { changesSinceBaseline, pathsToStat, safetyList, type ChangeBaseline, type PathStat } from '../../src/core/changeBaseline';

const file = (sizeBytes: number, signature = '1:1:1'): PathStat => ({ directory: false, sizeBytes, signature });
const folder: PathStat = { directory: true, sizeBytes: 4096, signature: '1:1:9' };

void describe('the safety list against a build baseline', () => {
  const baseline: ChangeBaseline = {
    containerId: 'c1',
    takenAt: '2026-11-29T00:00:00Z',
    complete: true,
    entries: [
      ['/tmp', 'changed', folder],
      ['/tmp/configured', 'added', file(11, '5:5:7')],
      ['/tmp/cache', 'added', folder],
      ['/tmp/cache/blob', 'added', file(3000)],
      ['/etc/hosts.conf', 'changed', file(20, '5:5:8')],
      ['/etc/gone', 'deleted'],
    ],
  };

  void it('lists nothing when the container is as the build left it', () => {
    const now = baseline.entries.map(([path, kind]) => ({ path, kind }));
    const stats = new Map(baseline.entries.flatMap(([path, , stat]) => (stat ? [[path, stat] as const] : [])));
    assert.deepEqual(changesSinceBaseline(now, baseline, stats), []);
  });

  void it('lists what the user added, rewrote and deleted since, with sizes; folders only when added empty', () => {
    const now = [
      { path: '/tmp', kind: 'changed' as const },
      { path: '/tmp/configured', kind: 'added' as const },
      { path: '/tmp/cache', kind: 'added' as const },
      { path: '/etc/hosts.conf', kind: 'changed' as const },
      { path: '/etc/gone', kind: 'deleted' as const },
      { path: '/etc/motd', kind: 'deleted' as const },
      { path: '/opt', kind: 'added' as const },
      { path: '/opt/tool', kind: 'added' as const },
      { path: '/opt/tool/bin', kind: 'added' as const },
      { path: '/srv/empty', kind: 'added' as const },
    ];
    const stats = new Map<string, PathStat>([
      ['/tmp', { ...folder, signature: '9:9:9' }],
      ['/tmp/configured', file(40, '6:6:7')],
      ['/tmp/cache', folder],
      ['/etc/hosts.conf', file(20, '5:5:8')],
      ['/opt', folder],
      ['/opt/tool', folder],
      ['/opt/tool/bin', file(5000)],
      ['/srv/empty', folder],
    ]);
    assert.deepEqual(pathsToStat(now, baseline).sort(), [...stats.keys(), '/etc/gone'].sort());
    const list = safetyList(changesSinceBaseline(now, baseline, stats));
    assert.deepEqual(list, {
      changes: [
        { path: '/opt/tool/bin', kind: 'added', sizeBytes: 5000 },
        { path: '/tmp/cache/blob', kind: 'deleted', sizeBytes: 3000 },
        { path: '/tmp/configured', kind: 'changed', sizeBytes: 40 },
        { path: '/etc/motd', kind: 'deleted' },
        { path: '/srv/empty', kind: 'added' },
      ],
      more: 0,
    });
  });

  void it('lists every change when there is no baseline, and counts what is beyond the limit', () => {
    const now = Array.from({ length: 20 }, (_, index) => ({ path: `/opt/f${String(index).padStart(2, '0')}`, kind: 'added' as const }));
    const stats = new Map(now.map(({ path }, index) => [path, file(index)]));
    const list = safetyList(changesSinceBaseline(now, undefined, stats), 15);
    assert.equal(list.changes.length, 15);
    assert.equal(list.more, 5);
    assert.equal(list.changes[0]?.path, '/opt/f19', 'largest first');
  });

  void it('formats sizes for people', () => {
    assert.equal(formatBytes(16), '16 B');
    assert.equal(formatBytes(200000), '195.3 KB');
    assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GB');
  });
});

void describe('the safety list as the CLI and the modal show it', () => {
  void it('says nothing will be lost for an empty list, and lists the rest largest first with "and N more"', () => {
    assert.equal(losesNothing({ changes: [], more: 0 }), true);
    assert.match(safetyHeading({ changes: [], more: 0 }), /nothing will be lost/);
    const view = {
      changes: [
        { path: '/opt/big', kind: 'added' as const, sizeBytes: 2048 },
        { path: '/etc/motd', kind: 'deleted' as const },
      ],
      more: 3,
    };
    assert.equal(losesNothing(view), false);
    assert.deepEqual(safetyLines(view), ['added      2.0 KB  /opt/big', 'deleted            /etc/motd', '... and 3 more']);
  });
});
