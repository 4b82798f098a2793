// The smoke check's test module: what @vscode/test-electron or
// src/devhost/codeServer.mjs runExtensionTests loads inside the extension host.
// No mocha here on purpose: run() asserts by hand and rejects on failure.
const assert = require('node:assert');
const vscode = require('vscode');

async function run() {
  console.log('smoke: run() started in the extension host, node', process.version, 'vscode', vscode.version);

  const ext = vscode.extensions.getExtension('drydock-test.drydock-host-smoke');
  assert.ok(ext, 'the smoke extension is loaded as the extension under development');
  await ext.activate();

  const commands = await vscode.commands.getCommands(true);
  assert.ok(commands.includes('smoke.hello'), 'smoke.hello is registered');
  console.log('ok 1 - smoke.hello is registered');

  const expected = process.env.DRYDOCK_SMOKE_BREAK ? 'hello broken' : 'hello drydock';
  const reply = await vscode.commands.executeCommand('smoke.hello', 'drydock');
  assert.ok(String(reply).startsWith(expected), `smoke.hello answered ${JSON.stringify(reply)}, expected it to start with ${JSON.stringify(expected)}`);
  console.log('ok 2 - smoke.hello answers:', reply);

  assert.strictEqual(process.env.DRYDOCK_SMOKE_ENV, 'passed-through', 'env given to runExtensionTests reaches the extension host');
  console.log('ok 3 - env reaches the extension host');

  const folders = vscode.workspace.workspaceFolders ?? [];
  assert.strictEqual(folders.length, 1, 'one workspace folder is open');
  console.log('ok 4 - workspace folder', folders[0].uri.toString());
  console.log('smoke: all assertions passed');
}

module.exports = { run };
