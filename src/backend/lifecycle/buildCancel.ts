import { DrydockError } from '../../core/errors';

/**
 * A build's cancel switch. A build can be cancelled while it only reads and
 * pulls; once it starts changing the workspace (`commit`), a cancel is
 * refused, because stopping halfway would leave neither the old workspace
 * nor the new one.
 */
export class BuildCancel {
  private readonly controller = new AbortController();
  private committed = false;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Cancels if the build has not started changing the workspace; returns whether it did. */
  cancel(): boolean {
    if (this.committed) return false;
    this.controller.abort();
    return true;
  }

  /** The point of no return. Throws `interrupted` (nothing changed) if a cancel came first. */
  commit(): void {
    if (this.controller.signal.aborted) throw new DrydockError('interrupted', 'the build was cancelled; nothing was changed');
    this.committed = true;
  }
}
