import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSocketPath, resolveLocations } from '../../src/api/locations';
import { isDrydockError } from '../../src/core/errors';

const home = '/home/ada';

void describe('resolveLocations', () => {
  void it('defaults to ~/.local/state/drydock with the socket under it', () => {
    const paths = resolveLocations({}, home, 'linux');
    assert.deepEqual(paths, {
      stateDir: '/home/ada/.local/state/drydock',
      stateFile: '/home/ada/.local/state/drydock/state.json',
      logsDir: '/home/ada/.local/state/drydock/logs',
      dotfilesDir: '/home/ada/.local/state/drydock/dotfiles',
      lockFile: '/home/ada/.local/state/drydock/daemon.lock',
      socketDir: '/home/ada/.local/state/drydock/run',
      socketPath: '/home/ada/.local/state/drydock/run/api.sock',
      daemonLog: '/home/ada/.local/state/drydock/daemon.log',
    });
  });

  void it('honours absolute XDG_STATE_HOME and XDG_RUNTIME_DIR, ignores relative ones', () => {
    const paths = resolveLocations({ XDG_STATE_HOME: '/xdg/state', XDG_RUNTIME_DIR: '/run/user/1000' }, home, 'linux');
    assert.equal(paths.stateDir, '/xdg/state/drydock');
    assert.equal(paths.stateFile, '/xdg/state/drydock/state.json');
    assert.equal(paths.socketDir, '/run/user/1000/drydock');
    assert.equal(paths.socketPath, '/run/user/1000/drydock/api.sock');
    const relative = resolveLocations({ XDG_STATE_HOME: 'state', XDG_RUNTIME_DIR: 'run' }, home, 'linux');
    assert.equal(relative.stateDir, '/home/ada/.local/state/drydock');
    assert.equal(relative.socketPath, '/home/ada/.local/state/drydock/run/api.sock');
  });

  void it('DRYDOCK_STATE_DIR wins over XDG and moves the socket too', () => {
    const paths = resolveLocations({ DRYDOCK_STATE_DIR: '/tmp/dd-test/', XDG_STATE_HOME: '/xdg/state', XDG_RUNTIME_DIR: '/run/user/1000' }, home, 'linux');
    assert.equal(paths.stateDir, '/tmp/dd-test');
    assert.equal(paths.lockFile, '/tmp/dd-test/daemon.lock');
    assert.equal(paths.socketDir, '/tmp/dd-test/run');
    assert.equal(paths.socketPath, '/tmp/dd-test/run/api.sock');
  });

  void it('refuses a relative DRYDOCK_STATE_DIR', () => {
    assert.throws(
      () => resolveLocations({ DRYDOCK_STATE_DIR: 'rel/dir' }, home, 'linux'),
      (error: unknown) => isDrydockError(error, 'invalid_input') && error.field === 'DRYDOCK_STATE_DIR' && /absolute/.test(error.message),
    );
  });

  void it('uses a named pipe on win32, per user or per moved state dir', () => {
    const user = resolveLocations({ USERNAME: 'ada lovelace' }, 'C:\\Users\\ada', 'win32');
    assert.equal(user.stateDir, 'C:\\Users\\ada\\.local\\state\\drydock');
    assert.equal(user.socketPath, '\\\\.\\pipe\\drydock-ada_lovelace');
    const a = resolveLocations({ USERNAME: 'ada', DRYDOCK_STATE_DIR: 'D:\\a' }, 'C:\\Users\\ada', 'win32');
    const b = resolveLocations({ USERNAME: 'ada', DRYDOCK_STATE_DIR: 'D:\\b' }, 'C:\\Users\\ada', 'win32');
    assert.match(a.socketPath, /^\\\\\.\\pipe\\drydock-[0-9a-f]{16}$/);
    assert.notEqual(a.socketPath, b.socketPath);
  });

  void it('refuses a socket path too long for sun_path, naming the limit and the fix', () => {
    const deep = `/tmp/${'x'.repeat(100)}`;
    assert.throws(
      () => resolveLocations({ DRYDOCK_STATE_DIR: deep }, home, 'linux'),
      (error: unknown) =>
        isDrydockError(error, 'invalid_input') &&
        error.message.includes(`${deep}/run/api.sock`) &&
        error.message.includes(`${deep.length + '/run/api.sock'.length} bytes`) &&
        error.message.includes('at most 107 bytes') &&
        error.message.includes('DRYDOCK_STATE_DIR') &&
        error.message.includes('XDG_RUNTIME_DIR'),
    );
  });

  void it('checkSocketPath counts UTF-8 bytes and knows each platform limit', () => {
    const exact = (n: number) => `/${'a'.repeat(n - 1)}`;
    checkSocketPath(exact(107), 'linux');
    assert.throws(() => checkSocketPath(exact(108), 'linux'), /at most 107 bytes/);
    checkSocketPath(exact(103), 'darwin');
    assert.throws(() => checkSocketPath(exact(104), 'darwin'), /at most 103 bytes/);
    assert.throws(() => checkSocketPath(exact(104), 'freebsd'), /at most 103 bytes/);
    // 54 two-byte characters: 55 chars but 109 bytes.
    assert.throws(() => checkSocketPath(`/${'é'.repeat(54)}`, 'linux'), /109 bytes long/);
    checkSocketPath(`\\\\.\\pipe\\${'x'.repeat(300)}`, 'win32');
  });
});
