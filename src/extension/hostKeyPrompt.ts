import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { BackendConnection } from './backendConnection';

/**
 * When the backend's engine is refused for its SSH host key, says so in a
 * modal with the fingerprint. An unknown key gets a Trust button (the
 * backend adds it to known_hosts only if the host still presents that
 * fingerprint); a changed or revoked one gets none: it must be sorted out by
 * hand. Each key is asked about once per window.
 */
export function promptForHostKeys(connection: BackendConnection): vscode.Disposable {
  const asked = new Set<string>();
  return connection.onDidChangeState((state) => {
    if (state.kind !== 'docker-down') return;
    void (async () => {
      const client = await connection.api();
      const key = (await client.health()).docker.hostKey;
      if (!key || asked.has(`${key.url} ${key.fingerprint}`)) return;
      asked.add(`${key.url} ${key.fingerprint}`);
      const where = `${key.host} port ${key.port}`;
      if (key.status !== 'unknown') {
        await vscode.window.showErrorMessage(`The SSH host key of the Docker engine ${where} has CHANGED`, {
          modal: true,
          detail: `It now presents ${key.keyType} ${key.fingerprint}, which ${key.knownHostsFile} does not list for it. Someone may be intercepting the connection, or the host was reinstalled. Drydock will not connect. Check the fingerprint with the host's administrator; only if it is right, remove the old key (ssh-keygen -R '[${key.host}]:${key.port}') and trust the new one.`,
        });
        return;
      }
      const choice = await vscode.window.showWarningMessage(
        `Trust the SSH host key of the Docker engine ${where}?`,
        {
          modal: true,
          detail: `${key.keyType} ${key.fingerprint}\n\nThis key is not in ${key.knownHostsFile}. Trust it only if the host's administrator confirms this fingerprint (on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).`,
        },
        'Trust',
      );
      if (choice !== 'Trust') return;
      try {
        const trusted = await client.trustSshHostKey(key.url, key.fingerprint);
        void vscode.window.showInformationMessage(`Trusted ${trusted.keyType} ${trusted.fingerprint} for ${where}; Drydock connects now.`);
      } catch (error) {
        void vscode.window.showErrorMessage(`Drydock did not trust the key: ${errorMessage(error)}`);
      }
    })().catch(() => undefined);
  });
}
