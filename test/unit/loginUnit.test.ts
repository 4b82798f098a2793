import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { installService, launchdAgent, systemdUnit, uninstallService, type RunCommand, type ServiceTarget } from '../../src/client/loginUnit';
import { isDrydockError } from '../../src/core/errors';

const root = mkdtempSync(join(tmpdir(), 'drydock-service-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function target(
  platform: NodeJS.Platform,
  env: Record<string, string> = { PATH: '/usr/local/bin:/usr/bin', DRYDOCK_STATE_DIR: '/tmp/dd state' },
): ServiceTarget {
  return { platform, home: join(root, `home${++counter}`), nodePath: '/usr/bin/node', backendScript: '/opt/drydock/dist/backend.js', env };
}

/** A fake command runner that records calls and answers with the given exit code. */
function fakeRun(code: number, output = ''): { run: RunCommand; calls: string[] } {
  const calls: string[] = [];
  return { calls, run: (cmd, args) => (calls.push([cmd, ...args].join(' ')), Promise.resolve({ code, output })) };
}

void describe('systemdUnit / launchdAgent', () => {
  void it('writes a user unit that runs node <script> run with quoted Environment lines', () => {
    const t = target('linux', { PATH: '/usr/bin:/bin', DRYDOCK_STATE_DIR: '/tmp/dd state', ODD: 'say "hi" 100% \\o/' });
    const unit = systemdUnit(t);
    assert.equal(unit.path, join(t.home, '.config', 'systemd', 'user', 'drydock.service'));
    for (const line of [
      '[Unit]',
      'Description=Drydock workspaces backend',
      '[Service]',
      'Type=simple',
      'ExecStart=/usr/bin/node --max-semi-space-size=1 --expose-gc --no-opt /opt/drydock/dist/backend.js run',
      'Restart=on-failure',
      'Environment="PATH=/usr/bin:/bin"',
      'Environment="DRYDOCK_STATE_DIR=/tmp/dd state"',
      'Environment="ODD=say \\"hi\\" 100%% \\\\o/"',
      '[Install]',
      'WantedBy=default.target',
    ]) {
      assert.ok(unit.content.split('\n').includes(line), `missing line ${line}\n${unit.content}`);
    }
  });

  void it('quotes ExecStart arguments with spaces and escapes $ and %, and honours configHome', () => {
    const t = { ...target('linux', {}), backendScript: '/home/a b/$x/50%.js', configHome: '/cfg' };
    const unit = systemdUnit(t);
    assert.equal(unit.path, '/cfg/systemd/user/drydock.service');
    assert.ok(unit.content.includes('ExecStart=/usr/bin/node --max-semi-space-size=1 --expose-gc --no-opt "/home/a b/$$x/50%%.js" run\n'));
    assert.ok(!unit.content.includes('Environment='));
  });

  void it('refuses relative program paths and bad environment names or values', () => {
    assert.throws(
      () => systemdUnit({ ...target('linux'), nodePath: 'node' }),
      (e: unknown) => isDrydockError(e, 'invalid_input') && e.field === 'nodePath',
    );
    assert.throws(() => systemdUnit(target('linux', { 'BAD-NAME': 'x' })), /env\.BAD-NAME/);
    assert.throws(() => launchdAgent(target('darwin', { X: 'a\nb' })), /line breaks/);
  });

  void it('writes a launchd agent plist with the label, arguments and environment, XML-escaped', () => {
    const t = target('darwin', { PATH: '/usr/bin', NOTE: 'a<b & "c"' });
    const agent = launchdAgent(t);
    assert.equal(agent.path, join(t.home, 'Library', 'LaunchAgents', 'dev.drydock.backend.plist'));
    const c = agent.content;
    assert.ok(c.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist'));
    assert.ok(c.includes('<key>Label</key>\n  <string>dev.drydock.backend</string>'));
    assert.ok(
      c.includes(
        '<key>ProgramArguments</key>\n  <array>\n    <string>/usr/bin/node</string>\n    <string>--max-semi-space-size=1</string>\n    <string>--expose-gc</string>\n    <string>--no-opt</string>\n    <string>/opt/drydock/dist/backend.js</string>\n    <string>run</string>\n  </array>',
      ),
    );
    assert.ok(c.includes('<key>RunAtLoad</key>\n  <true/>'));
    assert.ok(c.includes('<key>SuccessfulExit</key>\n    <false/>'));
    assert.ok(c.includes('<key>NOTE</key>\n    <string>a&lt;b &amp; &quot;c&quot;</string>'));
    // Well-formed-ish: every opened element is closed, in order.
    const stack: string[] = [];
    for (const [, close, name, selfClosing] of c.matchAll(/<(\/?)(\w+)[^>]*?(\/?)>/g)) {
      if (selfClosing) continue;
      if (close) assert.equal(stack.pop(), name);
      else stack.push(name);
    }
    assert.deepEqual(stack, []);
  });
});

void describe('installService / uninstallService', () => {
  void it('installs on Linux: writes the unit and enables it', async () => {
    const t = target('linux');
    const { run, calls } = fakeRun(0);
    const result = await installService(t, run);
    assert.equal(readFileSync(result.path, 'utf8'), systemdUnit(t).content);
    assert.ok(result.path.startsWith(t.home));
    assert.deepEqual(calls, ['systemctl --user daemon-reload', 'systemctl --user enable --now drydock.service']);
    assert.deepEqual(result.commands, calls);
    assert.ok(result.notes.some((n) => n.includes('loginctl enable-linger $USER')));
    assert.ok(!result.notes.some((n) => n.includes('failed')));
  });

  void it('when systemctl fails (no user bus), still writes the file and returns advice instead of throwing', async () => {
    const t = target('linux');
    const { run, calls } = fakeRun(1, 'Failed to connect to bus: No medium found');
    const result = await installService(t, run);
    assert.ok(existsSync(result.path));
    assert.deepEqual(calls, ['systemctl --user daemon-reload'], 'stops after the first failure');
    const notes = result.notes.join('\n');
    assert.ok(notes.includes('Failed to connect to bus'));
    assert.ok(notes.includes('systemctl --user enable --now drydock.service'));
    assert.ok(notes.includes('drydock daemon start'));
    assert.ok(notes.includes('loginctl enable-linger $USER'));
  });

  void it('treats a runner that throws (systemctl missing) like a failure', async () => {
    const result = await installService(target('linux'), () => Promise.reject(new Error('spawn systemctl ENOENT')));
    assert.ok(result.notes.join('\n').includes('spawn systemctl ENOENT'));
  });

  void it('installs on macOS with launchctl load -w, reloading on reinstall', async () => {
    const t = target('darwin');
    const first = fakeRun(0);
    const result = await installService(t, first.run);
    assert.equal(readFileSync(result.path, 'utf8'), launchdAgent(t).content);
    assert.deepEqual(first.calls, [`launchctl load -w ${result.path}`]);
    const again = fakeRun(0);
    await installService(t, again.run);
    assert.deepEqual(again.calls, [`launchctl unload ${result.path}`, `launchctl load -w ${result.path}`]);
    const failing = await installService(t, fakeRun(5, 'Load failed').run);
    assert.ok(failing.notes.join('\n').includes(`launchctl load -w ${result.path}`));
  });

  void it('uninstalls: disables, removes the file, and is a no-op when absent', async () => {
    const t = target('linux');
    const installed = await installService(t, fakeRun(0).run);
    const { run, calls } = fakeRun(0);
    const result = await uninstallService(t, run);
    assert.equal(result.removed, true);
    assert.equal(existsSync(installed.path), false);
    assert.deepEqual(calls, ['systemctl --user disable --now drydock.service', 'systemctl --user daemon-reload']);
    const again = await uninstallService(t, fakeRun(0).run);
    assert.equal(again.removed, false);
    assert.deepEqual(again.commands, []);

    const mac = target('darwin');
    const macInstalled = await installService(mac, fakeRun(0).run);
    const failing = fakeRun(1, 'no bus');
    const macResult = await uninstallService(mac, failing.run);
    assert.equal(macResult.removed, true);
    assert.equal(existsSync(macInstalled.path), false);
    assert.deepEqual(failing.calls, [`launchctl unload -w ${macInstalled.path}`]);
    assert.ok(macResult.notes.join('\n').includes('drydock daemon stop'));
  });

  void it('refuses unsupported platforms, pointing at drydock daemon start', async () => {
    await assert.rejects(
      installService(target('win32'), fakeRun(0).run),
      (e: unknown) => isDrydockError(e, 'invalid_input') && e.message.includes('drydock daemon start'),
    );
    await assert.rejects(uninstallService(target('freebsd'), fakeRun(0).run), /not freebsd/);
  });
});
