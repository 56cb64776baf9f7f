import type { EventLog } from '../log/event-log.ts';
import type { EventStore } from './event-store.ts';

/** Name under which the store writer reports its offset to the log. */
export const STORE_CONSUMER = 'store';

/**
 * The consumer that moves log batches into the store. Idempotent: the store keeps
 * the applied offset in the same transaction as the rows, and the writer resumes from
 * it, so a crash between the two commits replays rather than loses or doubles.
 */
export class StoreWriter {
  private applied: number | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly store: EventStore,
    private readonly maxBatches = 64,
  ) {}

  /** Applies what the log holds past the store's offset, up to `maxBatches`. Returns events applied. */
  async step(): Promise<number> {
    this.applied ??= await this.store.appliedOffset();
    const batches = await this.log.read(this.applied, this.maxBatches);
    if (batches.length === 0) return 0;
    await this.store.apply(batches);
    this.applied = batches[batches.length - 1]!.offset;
    await this.log.commitConsumer(STORE_CONSUMER, this.applied);
    return batches.reduce((n, b) => n + b.events.length, 0);
  }

  /** Applies until the log has nothing more; for tools that run without a server. */
  async drain(onProgress?: (events: number) => void): Promise<number> {
    let total = 0;
    for (let n = await this.step(); n > 0; n = await this.step()) {
      total += n;
      onProgress?.(total);
    }
    return total;
  }

  appliedOffset(): number {
    return this.applied ?? 0;
  }
}
