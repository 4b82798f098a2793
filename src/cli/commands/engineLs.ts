import type { EngineView } from '../../api/views';
import { formatApproxMemory } from '../../core/memory';
import { parse, printJson, table, type Command } from '../context';

export const engineLs: Command = {
  usage: `drydock engine ls [--json]

List the Docker engines this backend speaks to: whether each answers (or why
not), its version, OS/arch, CPUs and memory, and this backend's workspaces
there with the memory their limits take (what --engine auto counts). The
default engine (where create goes without --engine) is marked *.

Examples:
  drydock engine ls
  drydock engine ls --json | jq '.[] | select(.reachable | not) | .error'`,
  async run(context) {
    const { values } = parse(context.args, { json: { type: 'boolean' } }, false);
    const engines = await (await context.backend()).engines();
    if (values.json) {
      printJson(context, engines);
      return 0;
    }
    const rows = [['NAME', 'ADDRESS', 'STATE', 'VERSION', 'OS/ARCH', 'CPUS', 'MEMORY', 'WORKSPACES']];
    for (const engine of engines) rows.push(row(engine));
    context.out(table(rows));
    for (const engine of engines) if (engine.error) context.out(`${engine.name}: ${engine.error}`);
    return 0;
  },
};

function row(engine: EngineView): string[] {
  const memory = engine.memoryBytes ? `${formatApproxMemory(engine.memoryCommittedBytes)} of ${formatApproxMemory(engine.memoryBytes)}` : '-';
  return [
    `${engine.name}${engine.default ? ' *' : ''}`,
    engine.address ?? engine.endpoint ?? '(found by discovery)',
    engine.reachable ? 'reachable' : 'unreachable',
    engine.version ?? '-',
    engine.os ? `${engine.os}/${engine.arch ?? ''}` : '-',
    engine.cpus !== undefined ? String(engine.cpus) : '-',
    memory,
    engine.workspaces.length > 0 ? engine.workspaces.join(',') : '-',
  ];
}
