import { errorMessage, isDrydockError } from '../core/errors';
import { VERSION } from '../core/version';
import { autooff } from './commands/autoOff';
import { create } from './commands/create';
import { daemon } from './commands/daemon';
import { exec } from './commands/exec';
import { extend } from './commands/extend';
import { keepalive } from './commands/keepalive';
import { logs } from './commands/logs';
import { ls } from './commands/ls';
import { policy } from './commands/policy';
import { rebuild } from './commands/rebuild';
import { rm } from './commands/rm';
import { schedule } from './commands/schedule';
import { shell } from './commands/shell';
import { status } from './commands/status';
import { stop } from './commands/stop';
import { UsageError, createContext, type Command } from './context';

const COMMANDS: Command[] = [ls, status, create, rebuild, stop, rm, logs, exec, shell, autooff, extend, schedule, keepalive, policy, daemon];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `drydock ${VERSION}: Docker-backed development workspaces

Usage: drydock <command> [options]      drydock <command> --help for details

${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Exit codes: 0 success, 1 failure, 2 usage.
`;
}

/** Exit codes: 0 success, 1 failure, 2 usage. */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = COMMANDS.find((command) => command.name === args[0]);
    process.stdout.write(topic ? `${topic.usage}\n` : usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`drydock: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  // What follows the first `--` is a command's own (exec, keepalive): never drydock's options.
  const separator = args.indexOf('--');
  const own = separator < 0 ? args : args.slice(0, separator);
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(createContext(args));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`drydock ${command.name}: ${error.message}\n${error.showUsage ? `\n${command.usage}\n` : ''}`);
      return 2;
    }
    process.stderr.write(`drydock ${command.name}: ${isDrydockError(error) ? error.message : errorMessage(error)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`drydock: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
