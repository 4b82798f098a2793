/**
 * Fan-out of events to their listeners (the API's event feed, auto-off, the
 * scheduler). An event emitted by a listener is delivered after the current
 * one has reached everybody, so every listener sees events in one order (a
 * nested emit must not overtake the event that caused it). A listener that
 * throws is dropped, not fatal.
 */
export class EventBus<Event> {
  private readonly listeners = new Set<(event: Event) => void>();
  private readonly queue: Event[] = [];
  private dispatching = false;

  emit(event: Event): void {
    this.queue.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        for (const listener of [...this.listeners]) {
          try {
            listener(next);
          } catch {
            this.listeners.delete(listener);
          }
        }
      }
    } finally {
      this.dispatching = false;
    }
  }

  subscribe(listener: (event: Event) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
