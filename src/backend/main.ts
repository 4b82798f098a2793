import { VERSION } from '../core/version';

function main(argv: string[]): number {
  if (argv[0] === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  process.stderr.write(`drydock backend ${VERSION}: usage: backend --version\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
