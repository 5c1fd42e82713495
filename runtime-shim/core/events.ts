import type { ContainerEventResponse } from '../../proto/generated/tugboat/runtime/v1/ContainerEventResponse.js';

/** ContainerEventListener receives each event once, in the order published. */
export type ContainerEventListener = (event: ContainerEventResponse) => void;

/**
 * EventBus fans container lifecycle events out to the current subscribers
 * (GetContainerEvents streams). Events are not stored: a subscriber sees only
 * what is published after it subscribed. Listeners must not throw.
 */
export class EventBus {
  private readonly listeners = new Set<ContainerEventListener>();

  /** subscribe adds a listener and returns the function that removes it (idempotent). */
  subscribe(listener: ContainerEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** publish delivers `event` to every listener, synchronously. */
  publish(event: ContainerEventResponse): void {
    for (const l of [...this.listeners]) l(event);
  }

  /** subscribers is the number of listeners; for tests and metrics. */
  get subscribers(): number {
    return this.listeners.size;
  }
}
