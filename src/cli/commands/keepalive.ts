import { spawn } from 'node:child_process';
import { UsageError, parse, type Command } from '../context';

const LEASE_TTL = '2m';
const RENEW_EVERY_MS = 40_000;

export const keepalive: Command = {
  usage: `drydock keepalive NAME -- CMD [ARGS...]

Holds a busy lease on the workspace while CMD runs here (a long download, a
remote build), renewing it; the lease expires by itself if this process dies.
The exit code is CMD's.

Example:
  drydock keepalive api -- ./long-benchmark.sh`,
  async run(context) {
    const separator = context.args.indexOf('--');
    if (separator < 0) throw new UsageError('put the command after --');
    const { positionals } = parse(context.args.slice(0, separator), {});
    const name = positionals[0];
    const command = context.args.slice(separator + 1);
    if (!name || command.length === 0) throw new UsageError('give NAME and a command after --');
    const client = await context.backend();
    const { leaseId } = await client.holdLease(name, `keepalive ${command.join(' ').slice(0, 100)}`, LEASE_TTL);
    const renew = setInterval(() => void client.renewLease(name, leaseId, 'keepalive', LEASE_TTL).catch(() => undefined), RENEW_EVERY_MS);
    try {
      return await new Promise<number>((resolve) => {
        const [program = '', ...programArgs] = command;
        const child = spawn(program, programArgs, { stdio: 'inherit' });
        child.on('error', (error) => {
          context.err(`drydock keepalive: cannot run ${program}: ${error.message}`);
          resolve(127);
        });
        child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
      });
    } finally {
      clearInterval(renew);
      await client.releaseLease(name, leaseId).catch(() => undefined);
    }
  },
};
