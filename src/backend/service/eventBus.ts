import type { DaemonEvent } from '../api/protocol';

/** Fan-out of daemon events to the SSE clients; a listener that throws is dropped, not fatal. */
export class EventBus {
  private readonly listeners = new Set<(event: DaemonEvent) => void>();

  emit(event: DaemonEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        this.listeners.delete(listener);
      }
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
