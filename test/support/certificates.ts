import { execFileSync } from 'node:child_process';

/**
 * A self-signed certificate made by openssl for a test (a CA, or a server
 * that is its own CA): an RSA key without a passphrase, valid two days.
 */
export function selfSignedCertificate(files: { key: string; cert: string }, subject: string, subjectAltName?: string): void {
  const extension = subjectAltName ? ['-addext', `subjectAltName=${subjectAltName}`] : [];
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.key, '-out', files.cert, '-days', '2', '-subj', subject, ...extension],
    {
      stdio: 'ignore',
    },
  );
}
