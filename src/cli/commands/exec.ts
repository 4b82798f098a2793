import { UsageError, parse, type Command } from '../context';
import { runInWorkspace } from '../interactive';

export const exec: Command = {
  name: 'exec',
  summary: 'run a command in a workspace as its user',
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
    return runInWorkspace(await context.backend(), name, command, tty);
  },
};

export const shell: Command = {
  name: 'shell',
  summary: 'open an interactive shell in a workspace',
  usage: `drydock shell NAME [--shell PATH]

An interactive login shell (bash if the image has it, else sh) as the
workspace user, in home.

Example:
  drydock shell api`,
  async run(context) {
    const { values, positionals } = parse(context.args, { shell: { type: 'string' } });
    const name = positionals[0];
    if (!name) throw new UsageError('missing NAME');
    const command = values.shell ? [values.shell, '-l'] : ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi'];
    return runInWorkspace(await context.backend(), name, command, Boolean(process.stdin.isTTY));
  },
};
