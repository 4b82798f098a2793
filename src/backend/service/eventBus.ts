import type { DaemonEvent } from '../api/protocol';

/**
 * Fan-out of daemon events to the SSE clients and the backend's own
 * listeners. An event emitted by a listener is delivered after the current
 * one has reached everybody, so every listener sees events in one order (a
 * nested emit must not overtake the event that caused it). A listener that
 * throws is dropped, not fatal.
 */
export class EventBus {
  private readonly listeners = new Set<(event: DaemonEvent) => void>();
  private readonly queue: DaemonEvent[] = [];
  private dispatching = false;

  emit(event: DaemonEvent): void {
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

  subscribe(listener: (event: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
