import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SRC = join(__dirname, '../../../src');

/**
 * The unit a file belongs to: a top-level folder of src/ (core, docker, api,
 * client, cli, extension...), and for the backend each of its parts
 * (backend/workspaces, backend/api...). A folder's own subfolders (cli/commands)
 * belong to it.
 */
function unitOf(folder: string): string {
  const parts = folder.split('/');
  return parts[0] === 'backend' && parts.length > 1 ? `backend/${parts[1] ?? ''}` : (parts[0] ?? '');
}

/** Every relative import of every TypeScript file under src/, as unit -> unit edges. */
function folderGraph(): Map<string, Map<string, string[]>> {
  const files: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) files.push(path);
    }
  };
  walk(SRC);
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of files) {
    const from = unitOf(relative(SRC, dirname(file)));
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm)) {
      const to = unitOf(relative(SRC, dirname(resolve(dirname(file), match[1] ?? ''))));
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      edges.set(to, [...(edges.get(to) ?? []), relative(SRC, file)]);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** The folders on a cycle, each cycle as a path that returns to its start. */
function cycles(graph: Map<string, Map<string, string[]>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

void describe('architecture', () => {
  const graph = folderGraph();

  void it('has no import cycle between folders', () => {
    const found = cycles(graph);
    const explain = found.map((cycle) =>
      cycle
        .slice(1)
        .map(
          (to, index) =>
            `${cycle[index] ?? ''} -> ${to} (${
              graph
                .get(cycle[index] ?? '')
                ?.get(to)
                ?.join(', ') ?? ''
            })`,
        )
        .join('\n  '),
    );
    assert.deepEqual(explain, [], `import cycles between folders:\n  ${explain.join('\n\n  ')}`);
  });

  void it('finds cycles when there are some (the check itself can fail)', () => {
    const looped = new Map([
      ['a', new Map([['b', ['a/x.ts']]])],
      ['b', new Map([['a', ['b/y.ts']]])],
    ]);
    assert.deepEqual(cycles(looped), [['a', 'b', 'a']]);
  });

  void it('keeps the backend domain free of wire types: only backend/api and the composition root import the contract', () => {
    const offenders: string[] = [];
    for (const [from, edges] of graph) {
      if (!from.startsWith('backend/') || from === 'backend/api' || from === 'backend/daemon') continue;
      for (const [to, files] of edges) if (to === 'api' || to === 'backend/api' || to === 'client') offenders.push(`${from} -> ${to} (${files.join(', ')})`);
    }
    assert.deepEqual(offenders, []);
  });

  void it('lets the CLI and the extension import only core, the contract and the client', () => {
    const allowed = new Set(['core', 'api', 'client']);
    const offenders: string[] = [];
    for (const [from, edges] of graph) {
      if (from !== 'cli' && from !== 'extension') continue;
      for (const [to, files] of edges) if (!allowed.has(to)) offenders.push(`${from} -> ${to} (${files.join(', ')})`);
    }
    assert.deepEqual(offenders, []);
  });
});
