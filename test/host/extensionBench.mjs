// The extension's figures for `npm run bench`: bundle size, activation time
// in code-server's real extension host, and tree refresh with 200 workspaces.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { runExtensionTests } from '../../src/devhost/codeServer.mjs';
import { ensureHost } from '../../src/devhost/installHost.mjs';
import { fileURLToPath } from 'node:url';
import { ROOT, backendEnv, stopBackend } from './hostSupport.mjs';

export async function benchExtension() {
  const size = statSync(join(ROOT, 'dist/extension.js')).size;
  console.log('\n## Extension');
  console.log(`  bundle dist/extension.js: ${(size / 1024).toFixed(1)} KB; target under 1 MB: ${size < 1024 * 1024 ? 'meets it' : 'MISSES it'}`);
  try {
    await ensureHost({ quiet: true });
  } catch (error) {
    console.log(`  !!! host figures SKIPPED: the VS Code host cannot be installed here (${error.message})`);
    return;
  }
  const { stateDir, env } = backendEnv('1h');
  const figures = {};
  try {
    const code = await runExtensionTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: join(ROOT, 'out/test/extension/bench.js'),
      env,
      log: (_type, text) => {
        for (const match of text.matchAll(/BENCH ([\w-]+)=([\d.]+)/g)) figures[match[1]] = Number(match[2]);
      },
    });
    if (code !== 0) console.log(`  !!! the in-host benchmark failed (exit ${code})`);
  } finally {
    await stopBackend(stateDir);
  }
  const activation = figures['activation-ms'];
  const tree = figures['tree-refresh-ms'];
  console.log(
    `  activation in the host: ${activation?.toFixed(1) ?? '?'} ms; target under 50 ms: ${activation !== undefined && activation < 50 ? 'meets it' : 'MISSES it'}`,
  );
  console.log(`  tree refresh with 200 workspaces (getChildren + getTreeItem, median of 20): ${tree?.toFixed(2) ?? '?'} ms`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchExtension();
