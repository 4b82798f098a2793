import { DrydockError } from '../../core/errors';
import type { HostKeyStatus } from './knownHosts';

/** What an SSH host presented, and how known_hosts stands on it. */
export interface PresentedHostKey {
  host: string;
  port: number;
  keyType: string;
  /** `SHA256:...`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The wire form, base64: what trusting writes to known_hosts. */
  key: string;
  status: HostKeyStatus;
  knownHostsFile: string;
  /** The address to trust it by: `ssh://user@host:port`. */
  url: string;
}

/**
 * An engine refused for its SSH host key: unknown (the user may trust it) or
 * changed/revoked (the user must not simply trust it). Carries the key so a
 * client can show the fingerprint. Kept apart from the SSH code, which loads
 * ssh2 only when an engine is reached over SSH.
 */
export class SshHostKeyError extends DrydockError {
  constructor(
    code: 'ssh_host_key_unknown' | 'ssh_host_key_changed',
    message: string,
    readonly hostKey: PresentedHostKey,
  ) {
    super(code, message);
  }
}
