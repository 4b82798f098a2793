import * as vscode from 'vscode';
import type { DrydockApi } from '../../src/extension/extension';

/**
 * `npm run bench`'s part inside the VS Code host: activation time and the
 * tree's refresh with 200 workspaces. Results are printed as `BENCH key=value`
 * lines, which test/host/extensionBench.mjs collects.
 */
export async function run(): Promise<void> {
  const extension = vscode.extensions.all.find((candidate) => (candidate.packageJSON as { name?: string }).name === 'drydock');
  if (!extension) throw new Error('the Drydock extension is not installed in the host');
  const api = (await extension.activate()) as DrydockApi;
  console.log(`BENCH activation-ms=${api.activationMs.toFixed(2)}`);
  const client = await api.drydock.connection.api();
  const names = Array.from({ length: 200 }, (_, index) => `tree-bench-${index}`);
  try {
    for (const name of names) await client.createWorkspace({ name, image: 'drydock-test/bench:1', pullPolicy: 'never' }, { build: false });
    const deadline = Date.now() + 60_000;
    while (api.drydock.cache.all().length < names.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const samples: number[] = [];
    for (let round = 0; round < 20; round++) {
      const started = performance.now();
      for (const node of api.drydock.tree.getChildren()) api.drydock.tree.getTreeItem(node);
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    console.log(`BENCH tree-refresh-ms=${(samples[10] ?? 0).toFixed(2)} workspaces=${api.drydock.cache.all().length}`);
  } finally {
    for (const name of names) await client.deleteWorkspace(name, { deleteHome: true }).catch(() => undefined);
  }
}
