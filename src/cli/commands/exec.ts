import { UsageError, parse, type Command } from '../context';
import { runInTerminal } from '../terminalSession';

export const exec: Command = {
  usage: `drydock exec NAME [--tty|--no-tty] -- CMD [ARGS...]

Runs CMD in the running workspace as the workspace user, from home, with this
terminal's stdin/stdout/stderr. The exit code is CMD's.

Examples:
  drydock exec api -- make test
  drydock exec api -- sh -c 'echo $HOME'`,
  async run(context) {
    const separator = context.args.indexOf('--');
    if (separator < 0) throw new UsageError('put the command after --, e.g. drydock exec api -- make test');
    const { values, positionals } = parse(context.args.slice(0, separator), { tty: { type: 'boolean' }, 'no-tty': { type: 'boolean' } });
    const name = positionals[0];
    const command = context.args.slice(separator + 1);
    if (!name) throw new UsageError('missing NAME');
    if (command.length === 0) throw new UsageError('missing the command after --');
    const tty = values['no-tty'] ? false : (values.tty ?? (Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY)));
    return runInTerminal(await context.backend(), name, command, tty);
  },
};
