// Throwaway extension for the host smoke checks: registers `smoke.hello` and a
// status bar item whose text counts its invocations (something a UI test can see).
const vscode = require('vscode');

function activate(context) {
  const status = vscode.window.createStatusBarItem('smoke.status', vscode.StatusBarAlignment.Left, 100);
  status.text = 'Smoke: ready';
  status.show();
  let calls = 0;
  context.subscriptions.push(
    status,
    vscode.commands.registerCommand('smoke.hello', (name) => {
      calls += 1;
      status.text = `Smoke: hello ${calls}`;
      return `hello ${name ?? 'world'} from ${process.version}`;
    }),
  );
}

function deactivate() {}

module.exports = { activate, deactivate };
