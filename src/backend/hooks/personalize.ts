import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../core/errors';
import { dotfilesToLink, pickInstallScript } from '../../core/hookPlan';
import type { StepOutcome } from '../lifecycle/buildReporter';
import type { BuildContext } from '../lifecycle/types';
import type { DotfilesCache } from './dotfilesCache';
import { findHomeLinks, refusedBecauseOfLink } from './homeGuard';
import { describeFailure, runHookProcess } from './hookProcess';

/**
 * Hook 3: the user's own personalization. Failures here are warnings: the
 * workspace stays running, since it is the user's script, not the image's.
 */
export async function applyDotfiles(context: BuildContext, cache: DotfilesCache): Promise<StepOutcome> {
  const { spec, docker, containerId, user, home, reporter } = context;
  if (!spec.dotfiles) return { status: 'skipped', note: 'no dotfiles repository configured' };
  let checkout: { directory: string; commit: string; cloned: boolean };
  try {
    checkout = await cache.sync(spec.dotfiles.url, spec.dotfiles.branch, spec.hookTimeoutMs);
  } catch (error) {
    return { status: 'warning', note: errorMessage(error) };
  }
  reporter.info(
    `${checkout.cloned ? 'Cloned' : 'Updated'} ${spec.dotfiles.url}${spec.dotfiles.branch ? ` (${spec.dotfiles.branch})` : ''} at ${checkout.commit.slice(0, 12)}.`,
  );

  // Replace the previous copy: files deleted from the repository go too. Removed as the user, since home is theirs.
  await docker.containers.exec(containerId, ['rm', '-rf', '--', `${home}/dotfiles`], { user: user.name });
  // The copy is extracted as root: a link the user could not remove (a read-only home) is refused, not written through.
  const link = (await findHomeLinks(context, ['dotfiles'])).get('dotfiles');
  if (link) {
    const fix = `make home writable and remove the link inside the workspace (chmod u+w ~ && rm ~/dotfiles)`;
    return { status: 'warning', note: refusedBecauseOfLink('dotfiles', link, `was not replaced with the checkout (${user.name} could not remove it)`, fix) };
  }
  await docker.files.putDirectory(containerId, checkout.directory, home, 'dotfiles', { uid: user.uid, gid: user.gid });
  reporter.info(`Copied the checkout to ~/dotfiles.`);

  const script = pickInstallScript((path) => isFile(join(checkout.directory, path)));
  if (script) {
    const executable = isExecutable(join(checkout.directory, script));
    const command = executable ? [`${home}/dotfiles/${script}`] : ['/bin/sh', `${home}/dotfiles/${script}`];
    if (!executable) reporter.info(`${script} is not executable; running it with /bin/sh.`);
    const result = await runHookProcess(context, command, { workingDir: `${home}/dotfiles`, timeoutMs: spec.hookTimeoutMs });
    if (result.kind === 'exited' && result.exitCode === 0) return { status: 'ok', exitCode: 0 };
    return {
      status: 'warning',
      ...(result.kind === 'exited' ? { exitCode: result.exitCode } : {}),
      note: describeFailure(`dotfiles ${script}`, result, spec.hookTimeoutMs),
    };
  }
  return linkDotfiles(context, dotfilesToLink(readdirSync(checkout.directory)));
}

/** Without an install script, the repository's dotfiles are linked into home; a user's own file is backed up, never lost. */
async function linkDotfiles(context: BuildContext, names: string[]): Promise<StepOutcome> {
  const { docker, containerId, user, home, reporter } = context;
  if (names.length === 0) return { status: 'ok', note: 'no install script and no dotfiles to link' };
  const script = [
    'cd "$HOME" || exit 1',
    'stamp=$(date +%Y%m%d%H%M%S)',
    'for name in "$@"; do',
    '  target="dotfiles/$name"',
    '  if [ -L "$name" ] && [ "$(readlink "$name")" = "$target" ]; then echo "kept ~/$name -> ~/$target"; continue; fi',
    '  if [ -e "$name" ] || [ -L "$name" ]; then mv -- "$name" "$name.drydock-backup-$stamp" && echo "backed up ~/$name to ~/$name.drydock-backup-$stamp"; fi',
    '  ln -s -- "$target" "$name" && echo "linked ~/$name -> ~/$target"',
    'done',
  ].join('\n');
  const code = await docker.containers.exec(containerId, ['/bin/sh', '-c', script, 'drydock-link', ...names], {
    user: user.name,
    workingDir: home,
    env: { HOME: home },
    onOutput: (stream, chunk) => reporter.output(stream, chunk),
  });
  return code === 0 ? { status: 'ok' } : { status: 'warning', exitCode: code, note: `linking dotfiles exited with code ${code}` };
}

export async function runPersonalize(context: BuildContext): Promise<StepOutcome> {
  const { home, spec } = context;
  const result = await runHookProcess(context, [`${home}/personalize`], { workingDir: home, timeoutMs: spec.hookTimeoutMs });
  if (result.kind === 'missing') return { status: 'skipped', note: '~/personalize does not exist' };
  if (result.kind === 'exited' && result.exitCode === 0) return { status: 'ok', exitCode: 0 };
  return {
    status: 'warning',
    ...(result.kind === 'exited' ? { exitCode: result.exitCode } : {}),
    note: describeFailure('~/personalize', result, spec.hookTimeoutMs),
  };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  return (statSync(path).mode & 0o111) !== 0;
}
