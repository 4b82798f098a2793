import { LOGIN_SHELL } from '../../client/execSession';
import { UsageError, parse, type Command } from '../context';
import { runInTerminal } from '../terminalSession';

export const shell: Command = {
  usage: `drydock shell NAME [--shell PATH]

An interactive login shell (bash if the image has it, else sh) as the
workspace user, in home.

Example:
  drydock shell api`,
  async run(context) {
    const { values, positionals } = parse(context.args, { shell: { type: 'string' } });
    const name = positionals[0];
    if (!name) throw new UsageError('missing NAME');
    const command = values.shell ? [values.shell, '-l'] : LOGIN_SHELL;
    return runInTerminal(await context.backend(), name, command, Boolean(process.stdin.isTTY));
  },
};
