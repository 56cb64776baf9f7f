/**
 * Where caches of catalog data learn that an admin changed something in this process:
 * each cache subscribes once; every change notifies them all, so none is forgotten when
 * a module adds a cache. Other processes see a change when their caches expire (seconds).
 */
export class CatalogChanges {
  private readonly listeners = new Set<() => void>();

  /** Calls `listener` on every change; returns what unsubscribes it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }
}
