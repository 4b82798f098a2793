import { spawn } from 'node:child_process';
import { DrydockError } from '../core/errors';

/** What a credential helper gives: a user and password, or an identity token (user `<token>`). */
export interface HelperCredentials {
  username: string;
  secret: string;
}

/** A helper that hangs (a locked keychain waiting for a prompt nobody sees) must not hang the build. */
export const HELPER_TIMEOUT_MS = 10_000;
/** The helper's own words in an error, cut so a chatty helper cannot flood a log. */
const MAX_HELPER_MESSAGE = 500;

/**
 * `docker-credential-NAME get`, as the docker CLI runs it: the server URL on
 * stdin, JSON `{ ServerURL, Username, Secret }` on stdout. Undefined when the
 * helper has no credentials for that server. The secret lives only in the
 * returned object: it never reaches an error message (only the helper's
 * stderr, or its stdout when it fails, does).
 */
export function credentialsFromHelper(helper: string, serverUrl: string, timeoutMs = HELPER_TIMEOUT_MS): Promise<HelperCredentials | undefined> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(
        new DrydockError(
          'image_missing',
          `the docker credential helper ${program} (for ${serverUrl}) ${why}. Check the helper (\`echo ${serverUrl} | ${program} get\`) or \`docker login\` again.`,
          'image',
        ),
      );
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`did not answer within ${timeoutMs / 1000} s`);
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined); // a helper that exits without reading its input
    child.on('error', (error: NodeJS.ErrnoException) =>
      fail(error.code === 'ENOENT' ? `is not installed (config.json names it, but ${program} is not on PATH)` : `could not run: ${error.message}`),
    );
    child.on('close', (code) => {
      if (settled) return;
      const out = Buffer.concat(stdout).toString('utf8').trim();
      const err = Buffer.concat(stderr).toString('utf8').trim();
      if (code !== 0) {
        // The protocol's "not found" answer: no credentials for this server, which is not an error.
        if (/credentials not found/i.test(out) || /credentials not found/i.test(err)) {
          settled = true;
          clearTimeout(timer);
          return resolve(undefined);
        }
        return fail(`failed with exit code ${code}: ${clip(err || out || 'no message')}`);
      }
      let parsed: { Username?: unknown; Secret?: unknown };
      try {
        parsed = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
      } catch {
        return fail('answered something that is not JSON');
      }
      settled = true;
      clearTimeout(timer);
      if (typeof parsed.Secret !== 'string' || parsed.Secret === '') return resolve(undefined);
      resolve({ username: typeof parsed.Username === 'string' ? parsed.Username : '', secret: parsed.Secret });
    });
    child.stdin.end(serverUrl);
  });
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_HELPER_MESSAGE ? `${flat.slice(0, MAX_HELPER_MESSAGE)}...` : flat;
}
