import { errorMessage } from '../../core/errors';
import type { StepOutcome } from '../build/reporter';
import type { BuildContext, HookStage } from '../lifecycle/types';
import { runConfigure } from './configure';
import type { DotfilesCache } from './dotfilesCache';
import { applyDotfiles, runPersonalize } from './personalize';
import { injectSecrets } from './secrets';

/**
 * DESIGN.md "Hooks", in order, on every build, each a titled step of the
 * build log. Nothing is remembered inside home: a marker there would make
 * hooks skip silently after a rebuild.
 */
export class BuildHooks implements HookStage {
  constructor(private readonly dotfiles: DotfilesCache) {}

  async run(context: BuildContext): Promise<{ warnings: string[] }> {
    const { reporter, spec } = context;
    const warnings: string[] = [];
    const noteWarning = (outcome: StepOutcome): StepOutcome => {
      if (outcome.status === 'warning') warnings.push(outcome.note ?? 'a personalize step failed');
      return outcome;
    };
    const asOutcome = (outcome: StepOutcome): StepOutcome => outcome;

    await reporter.step('Inject secrets', () => injectSecrets(context), asOutcome);
    await reporter.step(`Run ${spec.configurePath}`, () => runConfigure(context), asOutcome);
    // The user's own steps never fail the build, whatever goes wrong in them.
    const asWarning = (error: unknown): StepOutcome => ({ status: 'warning', note: errorMessage(error) });
    await reporter.step('Personalize: dotfiles', () => applyDotfiles(context, this.dotfiles).catch(asWarning), noteWarning);
    await reporter.step('Personalize: ~/personalize', () => runPersonalize(context).catch(asWarning), noteWarning);
    for (const warning of warnings) reporter.warn(`Personalize: ${warning}. The workspace is running.`);
    return { warnings };
  }
}
