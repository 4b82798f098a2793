import { DrydockError } from '../../core/errors';
import type { StepOutcome } from '../lifecycle/buildReporter';
import type { BuildContext } from '../lifecycle/types';
import { describeFailure, runHookProcess } from './hookProcess';

/**
 * Hook 2: the image's own configure script (Coder's `/coder/configure`), as
 * the workspace user with HOME set, from home. Missing is fine; anything else
 * that is not exit 0 fails the build.
 */
export async function runConfigure(context: BuildContext): Promise<StepOutcome> {
  const { spec, home } = context;
  const result = await runHookProcess(context, [spec.configurePath], { workingDir: home, timeoutMs: spec.hookTimeoutMs });
  if (result.kind === 'missing') return { status: 'skipped', note: `${spec.configurePath} is not in the image` };
  if (result.kind === 'exited' && result.exitCode === 0) return { status: 'ok', exitCode: 0 };
  throw new DrydockError(
    'hook_failed',
    `configure failed: ${describeFailure(spec.configurePath, result, spec.hookTimeoutMs)}; the container is kept for debugging (drydock shell ${spec.name}).`,
  );
}
