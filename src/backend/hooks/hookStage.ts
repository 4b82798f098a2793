import { errorMessage } from '../../core/errors';
import type { StepOutcome } from '../lifecycle/buildReporter';
import type { BuildContext, HomeWrittenEarly, HookStage, OldContainerHome } from '../lifecycle/types';
import { runConfigure } from './configure';
import type { DotfilesCache } from './dotfilesCache';
import { applyDotfiles, runPersonalize } from './personalize';
import { injectSecrets, injectSecretsThroughOld } from './secrets';

/**
 * The build hooks of docs/behaviour.md, in order, on every build, each a titled step of the
 * build log. Nothing is remembered inside home: a marker there would make
 * hooks skip silently after a rebuild.
 */
export class BuildHooks implements HookStage {
  constructor(private readonly dotfiles: DotfilesCache) {}

  throughOldContainer(old: OldContainerHome): Promise<HomeWrittenEarly | undefined> {
    return injectSecretsThroughOld(old);
  }

  async run(context: BuildContext): Promise<{ warnings: string[] }> {
    const { reporter, spec } = context;
    const warnings: string[] = [];
    const noteWarningOf =
      (step: string) =>
      (outcome: StepOutcome): StepOutcome => {
        if (outcome.status === 'warning') warnings.push(`${step}: ${outcome.note ?? 'the step did not complete'}`);
        return outcome;
      };
    const noteWarning = noteWarningOf('Personalize');
    const asOutcome = (outcome: StepOutcome): StepOutcome => outcome;

    // Which hook programs exist, asked of the engine: most images have neither.
    const present = await existingPaths(context, [spec.configurePath, `${context.home}/personalize`]);
    // Files refused because of a link planted in home leave the workspace running, with a warning.
    await reporter.step('Inject secrets', () => injectSecrets(context), noteWarningOf('Inject secrets'));
    await reporter.step(
      `Run ${spec.configurePath}`,
      async () => (present.has(spec.configurePath) ? runConfigure(context) : { status: 'skipped' as const, note: `${spec.configurePath} is not in the image` }),
      asOutcome,
    );
    // The user's own steps never fail the build, whatever goes wrong in them.
    const asWarning = (error: unknown): StepOutcome => ({ status: 'warning', note: errorMessage(error) });
    await reporter.step('Personalize: dotfiles', () => applyDotfiles(context, this.dotfiles).catch(asWarning), noteWarning);
    await reporter.step(
      'Personalize: ~/personalize',
      async () =>
        present.has(`${context.home}/personalize`)
          ? runPersonalize(context).catch(asWarning)
          : { status: 'skipped' as const, note: '~/personalize does not exist' },
      noteWarning,
    );
    for (const warning of warnings) reporter.warn(`${warning.replace(/\.$/, '')}. The workspace is running.`);
    return { warnings };
  }
}

/**
 * Which of `paths` exist in the container, asked of the engine (no process in
 * the container, so a build costs no exec for hooks an image does not have).
 * A path the engine cannot check is taken as present, so that its hook runs
 * and reports its own error.
 */
async function existingPaths(context: BuildContext, paths: string[]): Promise<Set<string>> {
  const found = await Promise.all(paths.map((path) => context.docker.files.exists(context.containerId, path).catch(() => true)));
  return new Set(paths.filter((_, index) => found[index]));
}
