import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DrydockError, errorMessage } from '../../core/errors';
import { parentDirectories } from '../../core/hookPlan';
import { INSIDE_TOKEN_PATH } from '../../core/insideCommand';
import type { ArchiveEntry, PathKind } from '../../docker/adapter';
import type { StepOutcome } from '../lifecycle/buildReporter';
import type { BuildContext, HomeWrittenEarly, OldContainerHome } from '../lifecycle/types';
import { type HomeLink, type HomeSurvey, readHomeFileAsUser, refusedBecauseOfLink, surveyHome } from './homeGuard';
import { insideCommandFile, installInsideCommand, reportInsideCommand, type InsideCommandFile } from './insideCommand';

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
  const { spec, user, reporter } = context;
  if (context.homeWrittenEarly) return reportWrittenEarly(context, context.homeWrittenEarly);
  const token = context.inside?.kind === 'ready' ? context.inside.token : undefined;
  if (!spec.sshKey && spec.knownHosts === undefined && spec.secrets.length === 0 && token === undefined) {
    const command = await insideCommandFile(context);
    const commandProblem = command && (await installInsideCommand(context, command));
    return commandProblem ? { status: 'warning', note: commandProblem } : { status: 'skipped', note: 'no SSH key or secret files configured' };
  }
  const owned = { uid: user.uid, gid: user.gid };
  const entries = await secretEntries(context, token, (warning) => reporter.warn(warning));

  const checked = [...entries.map((entry) => entry.path), ...(spec.knownHosts !== undefined ? [KNOWN_HOSTS] : [])];
  const [command, { links, kinds }] = await Promise.all([insideCommandFile(context), surveyHome(context, checked)]);
  const refused = refuseLinked(checked, links, (warning) => reporter.warn(warning));
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
  const written = withFolders(context, accepted, { links, kinds });
  const commandProblem = await putFiles(context, command, written);
  return outcome(context, written.flatMap(fileLine), refused, commandProblem);
}

/**
 * Hook 1's files written through the stopped old container, which mounts the
 * same home volume (HookStage.throughOldContainer): the new container starts
 * meanwhile, so a rebuild no longer waits for this write after it. The same
 * link survey guards it; nothing runs in the old container any more, and the
 * new one runs nothing from home yet. Undefined when the new container must
 * do it: known_hosts is merged as the user reads it (a process in the new
 * container), and any failure here is left for the step to meet and report.
 */
export async function injectSecretsThroughOld(old: OldContainerHome): Promise<HomeWrittenEarly | undefined> {
  if (old.spec.knownHosts !== undefined) return undefined;
  try {
    const token = old.inside?.kind === 'ready' ? old.inside.token : undefined;
    const warnings: string[] = [];
    const entries = await secretEntries(old, token, (warning) => warnings.push(warning));
    if (entries.length === 0) return undefined;
    const paths = entries.map((entry) => entry.path);
    const { links, kinds } = await surveyHome(old, paths);
    const refused = refuseLinked(paths, links, (warning) => warnings.push(warning));
    const written = withFolders(
      old,
      entries.filter((entry) => !links.has(entry.path)),
      { links, kinds },
    );
    if (written.length > 0) await old.docker.files.put(old.containerId, old.home, written);
    return { files: written.flatMap(fileLine), refused, warnings };
  } catch {
    return undefined;
  }
}

/** The step's account of files written through the old container, and this build's command (bind-mounted, or put in now). */
async function reportWrittenEarly(context: BuildContext, early: HomeWrittenEarly): Promise<StepOutcome> {
  for (const warning of early.warnings) context.reporter.warn(warning);
  const command = await insideCommandFile(context);
  const commandProblem = command && (await installInsideCommand(context, command));
  return outcome(context, early.files, early.refused, commandProblem);
}

/** The SSH key pair, the secret files and the token, as the user's files relative to home (contents never logged). */
async function secretEntries(
  { spec, user }: Pick<BuildContext, 'spec' | 'user'>,
  token: string | undefined,
  warn: (warning: string) => void,
): Promise<ArchiveEntry[]> {
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
      warn(
        `sshKey: ${spec.sshKey}.pub is missing, so only the private key was copied; create it with \`ssh-keygen -y -f ${spec.sshKey} > ${spec.sshKey}.pub\`.`,
      );
  }
  for (const secret of spec.secrets) {
    file(secret.target, await readHostFile(secret.source, `secrets (${secret.target})`), secret.mode);
  }
  if (token !== undefined) file(INSIDE_TOKEN_PATH, Buffer.from(`${token}\n`), 0o600);
  return entries;
}

/** The paths with a symbolic link on their way, each said in a warning: they are never written. */
function refuseLinked(paths: readonly string[], links: ReadonlyMap<string, HomeLink>, warn: (warning: string) => void): string[] {
  const refused = paths.filter((path) => links.has(path));
  for (const path of refused) warn(refusedBecauseOfLink(path, links.get(path)!));
  return refused;
}

function fileLine(entry: ArchiveEntry): HomeWrittenEarly['files'] {
  return entry.type === 'file' ? [{ path: entry.path, mode: entry.mode, bytes: entry.content?.length ?? 0 }] : [];
}

/** The files written as log lines (names, modes, sizes), and the step's outcome. */
function outcome(context: BuildContext, files: HomeWrittenEarly['files'], refused: string[], commandProblem: string | undefined): StepOutcome {
  for (const file of files) context.reporter.info(`~/${file.path} (${file.mode.toString(8).padStart(4, '0')}, ${file.bytes} bytes)`);
  const notes =
    refused.length > 0 ? [`not written because of symbolic links or unreadable files in home: ${refused.map((path) => `~/${path}`).join(', ')}`] : [];
  if (refused.includes(INSIDE_TOKEN_PATH)) notes.push('the drydock command inside cannot work without its token');
  if (commandProblem) notes.push(commandProblem);
  return notes.length === 0 ? { status: 'ok' } : { status: 'warning', note: notes.join('; ') };
}

/** The files with the folders they need: ~/.ssh as 0700 when keys go in (unless it is a link), and missing parents. */
function withFolders({ spec, user, home }: Pick<BuildContext, 'spec' | 'user' | 'home'>, files: ArchiveEntry[], survey: HomeSurvey): ArchiveEntry[] {
  const owned = { uid: user.uid, gid: user.gid };
  const entries = [...files];
  const sshLinked = [...survey.links.values()].some((link) => link.component === '.ssh');
  if ((spec.sshKey || spec.knownHosts !== undefined) && !sshLinked) entries.unshift({ path: '.ssh/', type: 'directory', mode: 0o700, ...owned });
  entries.unshift(...missingParents(entries, survey.kinds, home, owned));
  return entries;
}

/**
 * Folders the files need that home does not have yet, as the user's (0755, as
 * `mkdir -p` makes them): created by the same extraction as the files, so no
 * process runs for them. Existing folders are left out, keeping their own
 * modes; one that is not a folder is a failure.
 */
function missingParents(entries: ArchiveEntry[], kinds: Map<string, PathKind | undefined>, home: string, owned: { uid: number; gid: number }): ArchiveEntry[] {
  const listed = new Set(entries.filter((entry) => entry.type === 'directory').map((entry) => entry.path.replace(/\/$/, '')));
  const parents = new Set<string>();
  for (const entry of entries)
    if (entry.type === 'file') for (const directory of parentDirectories(entry.path)) if (!listed.has(directory)) parents.add(directory);
  const missing: ArchiveEntry[] = [];
  for (const directory of [...parents].sort()) {
    const kind = kinds.get(directory);
    if (kind?.isDirectory) continue;
    if (kind)
      throw new DrydockError(
        'hook_failed',
        `could not create the folders for secret files under ${home}: ~/${directory} exists and is not a folder; remove or rename it, then rebuild.`,
      );
    missing.push({ path: `${directory}/`, type: 'directory', mode: 0o755, ...owned });
  }
  return missing;
}

/**
 * Puts the files into home and this build's `drydock` command in place, with
 * one extraction (each costs the engine a process of its own): the home files
 * relative to `/`. Should that fail, each goes alone, so that a command that
 * cannot be put in is a warning while files that cannot reach home fail the
 * step. Returns the command's problem, if any.
 */
async function putFiles(context: BuildContext, command: InsideCommandFile | undefined, files: ArchiveEntry[]): Promise<string | undefined> {
  const { docker, containerId, home } = context;
  if (command?.entry && files.length > 0) {
    const prefix = home.slice(1);
    try {
      await docker.files.put(containerId, '/', [command.entry, ...files.map((entry) => ({ ...entry, path: `${prefix}/${entry.path}` }))]);
      reportInsideCommand(context, command);
      return undefined;
    } catch {
      // Said below, by whichever of the two fails alone.
    }
  }
  const problem = command ? await installInsideCommand(context, command) : undefined;
  if (files.length > 0) await docker.files.put(containerId, home, files);
  return problem;
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
