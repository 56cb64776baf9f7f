/**
 * Long work on the main thread in turns. A request at the body limit (20 MB of PostHog
 * batch, 10,000 events) takes hundreds of milliseconds to decode, parse, check and
 * encode; done in one go it holds every other tenant's request for that long (issue:
 * fair shares). Cut into turns of at most TURN_MS, with the event loop let through
 * between them, the others wait one turn at most.
 */

/** How long one turn may hold the main thread before others are let through. */
export const TURN_MS = 8;

/** A body this large (decoded bytes) is read, checked and encoded in turns; a smaller one in one go, as most are. */
export const LARGE_BODY_BYTES = 512 * 1024;

/** A batch of this many events is mapped, checked and encoded in turns, whatever its size in bytes. */
export const LARGE_BATCH_EVENTS = 1000;

export class Turns {
  private started = performance.now();

  /**
   * Call between pieces of work that each take well under TURN_MS: undefined while the
   * turn lasts (no promise made), else a promise that resolves once the event loop has
   * run what was waiting — await it.
   */
  pass(): Promise<void> | undefined {
    if (performance.now() - this.started < TURN_MS) return undefined;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.started = performance.now();
        resolve();
      }),
    );
  }
}
