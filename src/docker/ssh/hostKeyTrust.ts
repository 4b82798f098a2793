/**
 * Trusting an SSH engine's host key: the explicit choice that adds it to
 * known_hosts, made by `drydock engine trust` or the extension's modal after
 * the user saw the fingerprint. Only an unknown key can be trusted this way,
 * and only the one the user confirmed: a changed key must first be removed
 * by hand (`ssh-keygen -R`), as with OpenSSH.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DrydockError } from '../../core/errors';
import { hostEndpoint, nodeDiscoveryEnvironment, type DiscoveryEnvironment } from '../discovery';
import { SshHostKeyError, type PresentedHostKey } from './hostKeyError';
import { knownHostsLine } from './knownHosts';
import { sshTargetFor } from './sshConfig';
import { presentedHostKey } from './sshConnection';

/** The key the engine at `host` (`ssh://...`, aliases resolved) presents, without logging in. */
export async function inspectSshHostKey(host: string, environment: DiscoveryEnvironment = nodeDiscoveryEnvironment()): Promise<PresentedHostKey> {
  const { options } = hostEndpoint(environment, host, 'host');
  if (!('protocol' in options) || options.protocol !== 'ssh') {
    throw new DrydockError('invalid_input', `host: "${host}" is not an ssh:// address; only SSH engines have host keys to trust.`, 'host');
  }
  const target = sshTargetFor(options, environment);
  return presentedHostKey({ target, agentSocket: environment.env.SSH_AUTH_SOCK, readFile: (path) => environment.readFile(path) });
}

/**
 * Adds the key `host` presents now to known_hosts, if it is the one with
 * `fingerprint` and known_hosts does not already hold another for the host.
 */
export async function trustSshHostKey(
  host: string,
  fingerprint: string,
  environment: DiscoveryEnvironment = nodeDiscoveryEnvironment(),
): Promise<PresentedHostKey> {
  const key = await inspectSshHostKey(host, environment);
  if (key.status === 'known') return key;
  if (key.status !== 'unknown') {
    throw new SshHostKeyError(
      'ssh_host_key_changed',
      `The SSH host key of ${key.host} port ${key.port} has CHANGED or is revoked (it presents ${key.keyType} ${key.fingerprint}); Drydock will not trust it. ` +
        `Check it with the host's administrator, remove the old key from ${key.knownHostsFile} (\`ssh-keygen -R '[${key.host}]:${key.port}'\`), then trust the new one.`,
      key,
    );
  }
  if (normalize(fingerprint) !== normalize(key.fingerprint)) {
    throw new DrydockError(
      'conflict',
      `fingerprint: ${key.host} port ${key.port} presents ${key.fingerprint}, not ${fingerprint}; nothing was trusted. Check the fingerprint with the host's administrator.`,
      'fingerprint',
    );
  }
  mkdirSync(dirname(key.knownHostsFile), { recursive: true, mode: 0o700 });
  appendFileSync(key.knownHostsFile, (endsMidLine(key.knownHostsFile) ? '\n' : '') + knownHostsLine(key.host, key.port, Buffer.from(key.key, 'base64')), {
    mode: 0o600,
  });
  return { ...key, status: 'known' };
}

function normalize(fingerprint: string): string {
  return fingerprint.trim().replace(/^SHA256:/i, '');
}

function endsMidLine(file: string): boolean {
  try {
    const text = readFileSync(file);
    return text.length > 0 && text[text.length - 1] !== 0x0a;
  } catch {
    return false;
  }
}
