import { VERSION } from '../core/version';

const USAGE = `drydock ${VERSION}: Docker-backed development workspaces

Usage: drydock <command> [options]

  --version   print the version
  --help      show this help
`;

function main(argv: string[]): number {
  const [command] = argv;
  if (command === '--version' || command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  process.stderr.write(`drydock: unknown command "${command}"; run \`drydock --help\` for the commands.\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
