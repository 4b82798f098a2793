import type { HostKeyView } from '../../api/views';
import { UsageError, parse, requireName, type Command, type CommandContext } from '../context';

export const engineTrust: Command = {
  usage: `drydock engine trust ssh://[user@]host[:port] [--fingerprint SHA256:...]

Connects to the SSH engine, shows the host key it presents (type and SHA256
fingerprint) and, once you confirm, adds it to the backend user's
~/.ssh/known_hosts. Check the fingerprint with the host's administrator first
(on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).

On a terminal you are asked y/N. Without one, pass the fingerprint you checked
with --fingerprint: the key is trusted only if the host presents exactly that.
A key that CHANGED from the one known_hosts holds is never trusted here:
remove the old one with ssh-keygen -R first, once you know why it changed.
Host aliases from ~/.ssh/config work (ssh://build-box).

Examples:
  drydock engine trust ssh://me@build-host
  drydock engine trust ssh://root@10.0.0.5:2222 --fingerprint SHA256:2LNOUXoR4cWvwaAZeD5vJ6UNbf3310RLdqQ2Hg0xQU0`,
  async run(context) {
    const { positionals, values } = parse(context.args, { fingerprint: { type: 'string' } });
    const host = requireName(positionals, 'the ssh:// address');
    const client = await context.backend();
    const key = await client.sshHostKey(host);
    if (key.status === 'known') {
      context.out(`${describe(key)} is already trusted (${key.knownHostsFile}).`);
      return 0;
    }
    if (key.status !== 'unknown') {
      context.err(refusal(key));
      return 1;
    }
    context.err(`The SSH host ${key.host} port ${key.port} presents this key, which ${key.knownHostsFile} does not know:\n  ${key.keyType} ${key.fingerprint}`);
    const fingerprint = values.fingerprint ?? (await confirm(context, key));
    if (fingerprint === undefined) {
      context.err('Nothing was trusted.');
      return 1;
    }
    const trusted = await client.trustSshHostKey(host, fingerprint);
    context.out(`Trusted ${describe(trusted)}: added to ${trusted.knownHostsFile}.`);
    return 0;
  },
};

/** Asks on the terminal; the fingerprint shown is the one confirmed, so a key swapped meanwhile is still refused. */
async function confirm(context: CommandContext, key: HostKeyView): Promise<string | undefined> {
  if (!context.canAsk) {
    throw new UsageError(
      `no terminal to ask on: check the fingerprint with the host's administrator, then run again with --fingerprint ${key.fingerprint}`,
      false,
    );
  }
  return (await context.ask(`Trust ${key.keyType} ${key.fingerprint} for ${key.host} port ${key.port}?`)) ? key.fingerprint : undefined;
}

function describe(key: HostKeyView): string {
  return `${key.host} port ${key.port} (${key.keyType} ${key.fingerprint})`;
}

function refusal(key: HostKeyView): string {
  const what = key.status === 'revoked' ? 'is marked @revoked' : 'has CHANGED from the one known_hosts holds';
  return [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    `WARNING: the SSH host key of ${key.host} port ${key.port} ${what}.`,
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    `It now presents ${key.keyType} ${key.fingerprint}.`,
    'Someone could be intercepting the connection, or the host was reinstalled.',
    "Drydock will not trust it. Check the new fingerprint with the host's administrator; only",
    `if it is right, remove the old key (ssh-keygen -R '[${key.host}]:${key.port}' -f ${key.knownHostsFile})`,
    `and run \`drydock engine trust ${key.url}\` again.`,
  ].join('\n');
}
