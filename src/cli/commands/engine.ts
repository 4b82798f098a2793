import { UsageError, type Command } from '../context';

/**
 * `drydock engine SUBCOMMAND`: one file per subcommand, loaded only when it
 * runs. A new subcommand is one line here and its own file.
 */
const SUBCOMMANDS: { name: string; summary: string; load: () => Promise<Command> }[] = [
  {
    name: 'ls',
    summary: 'list the engines: reachable or why not, version, platform, size, workspaces',
    load: async () => (await import('./engineLs')).engineLs,
  },
  {
    name: 'add',
    summary: 'add an engine by address (--host URL) or Docker context (--context NAME)',
    load: async () => (await import('./engineAdd')).engineAdd,
  },
  { name: 'rm', summary: 'remove an engine (refused while workspaces live there)', load: async () => (await import('./engineRm')).engineRm },
  { name: 'default', summary: 'choose the engine `create` uses without --engine', load: async () => (await import('./engineDefault')).engineDefault },
  { name: 'trust', summary: "trust an SSH engine's host key (shows its fingerprint first)", load: async () => (await import('./engineTrust')).engineTrust },
];

export const engine: Command = {
  usage: `drydock engine SUBCOMMAND [options]      drydock engine SUBCOMMAND --help for details

${SUBCOMMANDS.map((sub) => `  ${sub.name.padEnd(8)}  ${sub.summary}`).join('\n')}

The engine Drydock finds by itself (DOCKER_HOST, the current Docker context,
the usual sockets) is "local". A workspace lives on one engine (its home
volume is there); create picks it (--engine NAME, --engine auto, or the
default), and it never moves.`,
  async run(context) {
    const [name, ...args] = context.args;
    const sub = SUBCOMMANDS.find((candidate) => candidate.name === (name ?? 'ls'));
    if (!sub) throw new UsageError(`unknown engine subcommand "${name ?? ''}"`);
    const command = await sub.load();
    if (args.includes('--help') || args.includes('-h')) {
      context.out(command.usage);
      return 0;
    }
    return command.run({ ...context, args });
  },
};
