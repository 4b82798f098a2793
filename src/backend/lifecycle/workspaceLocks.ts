import { DrydockError } from '../../core/errors';

/**
 * One build (or stop, or delete) per workspace at a time. A second request is
 * refused with `busy` rather than queued: the caller can follow the running
 * build instead of starting a duplicate.
 */
export class WorkspaceLocks {
  private readonly held = new Map<string, string>();

  acquire(workspace: string, activity: string): () => void {
    const current = this.held.get(workspace);
    if (current !== undefined) {
      throw new DrydockError(
        'busy',
        `workspace ${workspace} is busy ${current}; wait for it to finish (follow it with \`drydock logs ${workspace} --follow\`).`,
      );
    }
    this.held.set(workspace, activity);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(workspace);
    };
  }

  activity(workspace: string): string | undefined {
    return this.held.get(workspace);
  }
}
