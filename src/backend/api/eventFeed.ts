import type { DaemonEvent } from '../../api/views';
import type { BackendEvent } from '../workspaces/backendEvents';
import type { EventBus } from '../workspaces/eventBus';
import type { WireViews } from './wireViews';

/**
 * The API's event stream: each backend event becomes one wire event, made
 * once however many clients listen (100 windows cost one view per change).
 */
export class EventFeed {
  private readonly clients = new Set<(event: DaemonEvent) => void>();
  private readonly unsubscribe: () => void;

  constructor(events: EventBus<BackendEvent>, views: WireViews) {
    this.unsubscribe = events.subscribe((event) => {
      if (this.clients.size === 0) return;
      const wire = views.event(event);
      if (!wire) return;
      for (const client of [...this.clients]) {
        try {
          client(wire);
        } catch {
          // A client whose connection broke is dropped; the others keep their stream.
          this.clients.delete(client);
        }
      }
    });
  }

  subscribe(client: (event: DaemonEvent) => void): () => void {
    this.clients.add(client);
    return () => this.clients.delete(client);
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    this.unsubscribe();
    this.clients.clear();
  }
}
