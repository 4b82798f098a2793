/** Heartbeats of a workspace after the first are saved and announced at most this often. */
const ACTIVITY_ANNOUNCE_MS = 1000;

/**
 * Heartbeats come in bursts (ten windows, each throttled on its own). The
 * first of a quiet workspace is announced (saved, one workspace event) at
 * once; the ones after it within a second are carried by one announcement
 * at the end of that second.
 */
export class ActivityAnnouncer {
  /** Workspaces announced within ACTIVITY_ANNOUNCE_MS; `pending`: more activity came since. */
  private readonly recent = new Map<string, { timer: NodeJS.Timeout; pending: boolean }>();

  constructor(private readonly announce: (name: string) => void) {}

  activity(name: string): void {
    const recent = this.recent.get(name);
    if (recent) {
      recent.pending = true;
      return;
    }
    this.announce(name);
    const entry = {
      pending: false,
      timer: setTimeout(() => {
        this.recent.delete(name);
        if (entry.pending) this.activity(name);
      }, ACTIVITY_ANNOUNCE_MS),
    };
    this.recent.set(name, entry);
  }

  /** A clean stop: what is still pending is announced now, before the last write. */
  flush(): void {
    for (const [name, recent] of this.recent) {
      clearTimeout(recent.timer);
      if (recent.pending) this.announce(name);
    }
    this.recent.clear();
  }
}
