import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DrydockError, errorMessage } from '../../core/errors';
import { parentDirectories } from '../../core/hookPlan';
import type { ArchiveEntry } from '../../docker/adapter';
import type { StepOutcome } from '../lifecycle/buildReporter';
import type { BuildContext } from '../lifecycle/types';

/**
 * Hook 1: the git SSH key pair, known_hosts and declared secret files, copied
 * through Docker's archive API with the user as owner. Only names and modes
 * are ever logged; contents never reach a command line, env, label or log.
 */
export async function injectSecrets(context: BuildContext): Promise<StepOutcome> {
  const { spec, user, reporter, docker, containerId, home } = context;
  if (!spec.sshKey && spec.knownHosts === undefined && spec.secrets.length === 0) {
    return { status: 'skipped', note: 'no SSH key or secret files configured' };
  }
  const owned = { uid: user.uid, gid: user.gid };
  const entries: ArchiveEntry[] = [];
  const file = (path: string, content: Buffer, mode: number): void => {
    entries.push({ path, type: 'file', mode, content, ...owned });
  };

  if (spec.sshKey || spec.knownHosts !== undefined) entries.push({ path: '.ssh/', type: 'directory', mode: 0o700, ...owned });
  if (spec.sshKey) {
    const name = basename(spec.sshKey);
    file(`.ssh/${name}`, await readHostFile(spec.sshKey, 'sshKey'), 0o600);
    const publicKey = await readFile(`${spec.sshKey}.pub`).catch(() => undefined);
    if (publicKey) file(`.ssh/${name}.pub`, publicKey, 0o644);
    else
      reporter.warn(
        `sshKey: ${spec.sshKey}.pub is missing, so only the private key was copied; create it with \`ssh-keygen -y -f ${spec.sshKey} > ${spec.sshKey}.pub\`.`,
      );
  }
  if (spec.knownHosts !== undefined) {
    // Merge, so hosts the user accepted inside the workspace are kept.
    const existing = (await docker.files.read(containerId, `${home}/.ssh/known_hosts`))?.toString('utf8') ?? '';
    file('.ssh/known_hosts', Buffer.from(mergeLines(existing, spec.knownHosts)), 0o644);
  }

  const parents = new Set<string>();
  for (const secret of spec.secrets) {
    file(secret.target, await readHostFile(secret.source, `secrets (${secret.target})`), secret.mode);
    for (const directory of parentDirectories(secret.target)) parents.add(directory);
  }
  if (parents.size > 0) {
    // Created as the user so new parents are theirs; existing ones keep their own modes.
    const code = await docker.containers.exec(containerId, ['mkdir', '-p', '--', ...[...parents].map((directory) => `${home}/${directory}`)], {
      user: user.name,
    });
    if (code !== 0) throw new DrydockError('hook_failed', `could not create the folders for secret files under ${home} (mkdir exited with ${code}).`);
  }

  await docker.files.put(containerId, home, entries);
  for (const entry of entries) {
    if (entry.type === 'file') reporter.info(`~/${entry.path} (${entry.mode.toString(8).padStart(4, '0')}, ${entry.content?.length ?? 0} bytes)`);
  }
  return { status: 'ok' };
}

async function readHostFile(path: string, field: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new DrydockError(
      'hook_failed',
      `${field}: cannot read ${path} on this machine (${errorMessage(error)}); fix the path or the file's permissions.`,
      field,
    );
  }
}

function mergeLines(existing: string, added: string): string {
  const lines = existing.split('\n').filter((line) => line.trim() !== '');
  for (const line of added.split('\n')) if (line.trim() !== '' && !lines.includes(line)) lines.push(line);
  return `${lines.join('\n')}\n`;
}
