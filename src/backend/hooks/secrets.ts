import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DrydockError, errorMessage } from '../../core/errors';
import { parentDirectories } from '../../core/hookPlan';
import { INSIDE_TOKEN_PATH } from '../../core/insideCommand';
import type { ArchiveEntry } from '../../docker/adapter';
import type { StepOutcome } from '../lifecycle/buildReporter';
import type { BuildContext } from '../lifecycle/types';
import { findHomeLinks, readHomeFileAsUser, refusedBecauseOfLink } from './homeGuard';
import { installInsideCommand } from './insideCommand';

const KNOWN_HOSTS = '.ssh/known_hosts';

/**
 * Hook 1: the git SSH key pair, known_hosts, declared secret files and the
 * build's Drydock token (~/.config/drydock/token, for the `drydock` command
 * inside, which this step also installs), copied through Docker's archive API
 * with the user as owner. Only names and modes
 * are ever logged; contents never reach a command line, env, label or log.
 * Docker extracts as root, so a file whose way through home has a symbolic
 * link on it is refused with a warning, never written through the link.
 */
export async function injectSecrets(context: BuildContext): Promise<StepOutcome> {
  const { spec, user, reporter, docker, containerId, home } = context;
  const commandProblem = await installInsideCommand(context);
  const token = context.inside?.kind === 'ready' ? context.inside.token : undefined;
  if (!spec.sshKey && spec.knownHosts === undefined && spec.secrets.length === 0 && token === undefined) {
    return commandProblem ? { status: 'warning', note: commandProblem } : { status: 'skipped', note: 'no SSH key or secret files configured' };
  }
  const owned = { uid: user.uid, gid: user.gid };
  const entries: ArchiveEntry[] = [];
  const file = (path: string, content: Buffer, mode: number): void => {
    entries.push({ path, type: 'file', mode, content, ...owned });
  };

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
  for (const secret of spec.secrets) {
    file(secret.target, await readHostFile(secret.source, `secrets (${secret.target})`), secret.mode);
  }
  if (token !== undefined) file(INSIDE_TOKEN_PATH, Buffer.from(`${token}\n`), 0o600);

  const checked = [...entries.map((entry) => entry.path), ...(spec.knownHosts !== undefined ? [KNOWN_HOSTS] : [])];
  const links = await findHomeLinks(context, checked);
  const refused: string[] = [];
  for (const path of checked) {
    const link = links.get(path);
    if (!link) continue;
    refused.push(path);
    reporter.warn(refusedBecauseOfLink(path, link));
  }
  const accepted = entries.filter((entry) => !links.has(entry.path));

  if (spec.knownHosts !== undefined && !links.has(KNOWN_HOSTS)) {
    // Merged, so hosts the user accepted inside the workspace are kept; read as the user, whose file it is.
    try {
      const existing = (await readHomeFileAsUser(context, KNOWN_HOSTS))?.toString('utf8') ?? '';
      accepted.push({ path: KNOWN_HOSTS, type: 'file', mode: 0o644, content: Buffer.from(mergeLines(existing, spec.knownHosts)), ...owned });
    } catch (error) {
      refused.push(KNOWN_HOSTS);
      reporter.warn(`~/${KNOWN_HOSTS} was not updated: ${errorMessage(error)}`);
    }
  }
  const sshLinked = [...links.values()].some((link) => link.component === '.ssh');
  if ((spec.sshKey || spec.knownHosts !== undefined) && !sshLinked) accepted.unshift({ path: '.ssh/', type: 'directory', mode: 0o700, ...owned });

  const parents = new Set<string>();
  for (const entry of accepted) if (entry.type === 'file') for (const directory of parentDirectories(entry.path)) parents.add(directory);
  if (parents.size > 0) {
    // Created as the user so new parents are theirs; existing ones keep their own modes.
    const code = await docker.containers.exec(containerId, ['mkdir', '-p', '--', ...[...parents].map((directory) => `${home}/${directory}`)], {
      user: user.name,
    });
    if (code !== 0) throw new DrydockError('hook_failed', `could not create the folders for secret files under ${home} (mkdir exited with ${code}).`);
  }

  if (accepted.length > 0) await docker.files.put(containerId, home, accepted);
  for (const entry of accepted) {
    if (entry.type === 'file') reporter.info(`~/${entry.path} (${entry.mode.toString(8).padStart(4, '0')}, ${entry.content?.length ?? 0} bytes)`);
  }
  const notes =
    refused.length > 0 ? [`not written because of symbolic links or unreadable files in home: ${refused.map((path) => `~/${path}`).join(', ')}`] : [];
  if (refused.includes(INSIDE_TOKEN_PATH)) notes.push('the drydock command inside cannot work without its token');
  if (commandProblem) notes.push(commandProblem);
  return notes.length === 0 ? { status: 'ok' } : { status: 'warning', note: notes.join('; ') };
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
