import { UsageError, type Command } from '../context';

/**
 * `drydock engine SUBCOMMAND`: the engines the backend reaches. Each
 * subcommand lives in its own file (engineTrust.ts, ...) and loads only when
 * it runs; add one by adding a row here.
 */
const SUBCOMMANDS: { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: 'trust', summary: "trust an SSH engine's host key (shows its fingerprint first)", load: async () => (await import('./engineTrust')).engineTrust },
];

export const engine: Command = {
  usage: `drydock engine SUBCOMMAND ...

${SUBCOMMANDS.map((sub) => `  ${sub.name.padEnd(8)} ${sub.summary}`).join('\n')}

drydock engine SUBCOMMAND --help for details.`,
  async run(context) {
    const [name, ...rest] = context.args;
    const entry = SUBCOMMANDS.find((sub) => sub.name === name);
    if (!entry) throw new UsageError(name ? `unknown engine command "${name}"` : 'missing the engine command');
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      context.out(command.usage);
      return 0;
    }
    return command.run({ ...context, args: rest });
  },
};
