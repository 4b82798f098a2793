// `npm start`: Drydock's extension in a real VS Code. Desktop VS Code with
// --extensionDevelopmentPath where `code` is on PATH; otherwise a local
// code-server (installed on first run, bound to 127.0.0.1) whose URL is
// printed. It runs until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCodeServer } from './codeServer.mjs';
import { ensureHost } from './installHost.mjs';

// The repo root (src/devhost/ -> ../..): the extension whose package.json points at dist/.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

const hasCode = spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
if (hasCode) {
  console.log(`Opening VS Code with the Drydock extension from ${ROOT} ...`);
  spawn('code', [`--extensionDevelopmentPath=${ROOT}`, '--new-window'], { stdio: 'inherit', detached: true }).unref();
  process.exit(0);
}

console.log('No desktop VS Code (`code`) here: starting a local code-server (the first run installs it, about 2 minutes).');
await ensureHost();
const profile = join(homedir(), '.cache', 'drydock-dev');
mkdirSync(profile, { recursive: true });
const port = Number(process.env.DRYDOCK_DEV_PORT ?? 8717);
const server = await startCodeServer({ extensionsDir: join(profile, 'extensions'), userDataDir: join(profile, 'user-data'), port });
const payload = encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${ROOT}`]]));
console.log(
  `\nDrydock is running in VS Code (code-server) at:\n\n  ${server.url}/?folder=${encodeURIComponent(homedir())}&payload=${payload}\n\nOpen it in a browser on this machine (bound to 127.0.0.1 only). Ctrl-C stops it.`,
);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
await server.exited;
