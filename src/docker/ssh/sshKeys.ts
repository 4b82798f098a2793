import type { AnyAuthMethod, ParsedKey } from 'ssh2';
import type { SshEnvironment } from './sshConnection';

// What Drydock logs in with, in OpenSSH's order: the agent's keys, then the key files.

/** The agent first, then each readable, unencrypted key file (an encrypted one needs the agent). */
export function authMethods(environment: SshEnvironment, keyFiles: KeyFile[]): AnyAuthMethod[] {
  const { username } = environment.target;
  const methods: AnyAuthMethod[] = [];
  if (environment.agentSocket) methods.push({ type: 'agent', username, agent: environment.agentSocket });
  for (const file of keyFiles) methods.push({ type: 'publickey', username, key: file.key });
  return methods;
}

export interface KeyFile {
  path: string;
  key: Buffer;
}

export function usableKeyFiles(environment: SshEnvironment, parseKey: (key: Buffer) => ParsedKey | ParsedKey[] | Error): KeyFile[] {
  const files: KeyFile[] = [];
  for (const path of environment.target.identityFiles) {
    const key = environment.readFile(path);
    if (!key) continue;
    if (parseKey(key) instanceof Error) continue;
    files.push({ path, key });
  }
  return files;
}
