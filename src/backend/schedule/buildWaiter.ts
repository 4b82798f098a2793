import type { BuildSummary } from '../api/protocol';
import type { EventBus } from '../service/eventBus';

/** Resolves with a build's summary once it has ended, from the workspace events (no polling). */
export function waitForBuild(events: EventBus, workspace: string, buildId: string): Promise<BuildSummary> {
  return new Promise((resolve) => {
    const unsubscribe = events.subscribe((event) => {
      if (event.type === 'workspace-removed' && event.name === workspace) {
        unsubscribe();
        resolve({ buildId, status: 'failed', startedAt: '', message: 'the workspace was deleted' });
      }
      if (event.type !== 'workspace' || event.workspace.name !== workspace) return;
      const build = event.workspace.lastBuild;
      if (build?.buildId === buildId && build.status !== 'building') {
        unsubscribe();
        resolve(build);
      }
    });
  });
}
