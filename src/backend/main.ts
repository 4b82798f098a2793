import { errorMessage } from '../core/errors';
import { VERSION } from '../core/version';
import { runDaemon } from './daemon/daemon';
import { resolveLocations } from '../api/locations';

const USAGE = `drydock backend ${VERSION}

Usage: backend run        run the per-user backend in the foreground
       backend --version  print the version

Most people never start it by hand: the CLI and the extension start it when
none answers, and \`drydock daemon install\` makes it start at login.
`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (argv[0] === 'run') return runDaemon(resolveLocations());
  process.stderr.write(USAGE);
  return argv[0] === '--help' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`drydock backend: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
