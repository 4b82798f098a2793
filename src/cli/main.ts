import { errorMessage, isDrydockError } from '../core/errors';
import { VERSION } from '../core/version';
import { UsageError, createContext, type Command } from './context';
import { exitWhenWritten, writeErr, writeOut } from './output';

/**
 * Every command, with the code that runs it loaded only when it runs: a
 * command pays for its own modules (the HTTP client, the terminal, the policy
 * validator...), and --version and --help for none of them.
 */
const COMMANDS: { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: 'ls', summary: 'list workspaces', load: async () => (await import('./commands/ls')).ls },
  { name: 'status', summary: "show one workspace's state, image, resources and last build", load: async () => (await import('./commands/status')).status },
  { name: 'create', summary: 'create a workspace and build it', load: async () => (await import('./commands/create')).create },
  {
    name: 'rebuild',
    summary: 'rebuild a workspace from its image (update, new resources, restart)',
    load: async () => (await import('./commands/rebuild')).rebuild,
  },
  { name: 'stop', summary: 'stop a workspace (the container goes, home stays)', load: async () => (await import('./commands/stop')).stop },
  { name: 'rm', summary: 'delete a workspace (home is kept unless --delete-home --yes)', load: async () => (await import('./commands/rm')).rm },
  { name: 'logs', summary: 'show build logs (live with --follow)', load: async () => (await import('./commands/logs')).logs },
  { name: 'exec', summary: 'run a command in a workspace as its user', load: async () => (await import('./commands/exec')).exec },
  { name: 'shell', summary: 'open an interactive shell in a workspace', load: async () => (await import('./commands/shell')).shell },
  {
    name: 'autooff',
    summary: "set a workspace's inactivity shutdown (a duration, off, or inherit)",
    load: async () => (await import('./commands/autoOff')).autooff,
  },
  { name: 'extend', summary: "push a workspace's inactivity deadline out", load: async () => (await import('./commands/extend')).extend },
  { name: 'schedule', summary: 'set when a workspace starts itself (cron + time zone)', load: async () => (await import('./commands/schedule')).schedule },
  {
    name: 'keepalive',
    summary: 'keep a workspace alive while a command runs on this machine',
    load: async () => (await import('./commands/keepalive')).keepalive,
  },
  {
    name: 'engine',
    summary: "list, add, remove or choose the default Docker engine; trust an SSH engine's host key",
    load: async () => (await import('./commands/engine')).engine,
  },
  { name: 'policy', summary: 'show the organization policy in force, or check a policy file', load: async () => (await import('./commands/policy')).policy },
  {
    name: 'daemon',
    summary: 'run, start, stop, check, install or uninstall the per-user backend',
    load: async () => (await import('./commands/daemon')).daemon,
  },
];

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
    writeOut(`${VERSION}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = COMMANDS.find((command) => command.name === args[0]);
    writeOut(topic ? `${(await topic.load()).usage}\n` : usage());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS.find((candidate) => candidate.name === name);
  if (!entry) {
    writeErr(`drydock: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  // What follows the first `--` is a command's own (exec, keepalive): never drydock's options.
  const separator = args.indexOf('--');
  const own = separator < 0 ? args : args.slice(0, separator);
  if (own.includes('--help') || own.includes('-h')) {
    writeOut(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(createContext(args));
  } catch (error) {
    if (error instanceof UsageError) {
      writeErr(`drydock ${entry.name}: ${error.message}\n${error.showUsage ? `\n${command.usage}\n` : ''}`);
      return 2;
    }
    writeErr(`drydock ${entry.name}: ${isDrydockError(error) ? error.message : errorMessage(error)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(exitWhenWritten, (error: unknown) => {
  writeErr(`drydock: ${errorMessage(error)}\n`);
  exitWhenWritten(1);
});
