import type { EventLog } from '../log/event-log.port.ts';
import type { EventStore } from './event-store.port.ts';
import { applyOrQuarantine } from './apply-or-quarantine.ts';

/** Name under which the store writer reports its offset to the log. */
export const STORE_CONSUMER = 'store';

/** Events per store transaction: large enough to amortise a commit, small enough for memory. */
export const EVENTS_PER_APPLY = 20_000;
/**
 * How often the writer tells the log its offset. The authoritative offset lives in the
 * store; the log's copy is for operators and future retention, so it need not be fresh, and
 * writing it less often keeps this write out of the way of ingest commits.
 */
const REPORT_INTERVAL_MS = 1000;

/**
 * The consumer that moves log batches into the store; an event the store cannot apply
 * goes to quarantine instead of stopping it (apply-or-quarantine.ts). Idempotent: the store keeps
 * the applied offset in the same transaction as the rows, and the writer resumes from
 * it, so a crash between the two commits replays rather than loses or doubles.
 */
export class StoreWriter {
  private applied: number | null = null;
  private reported = 0;

  constructor(
    private readonly log: EventLog,
    private readonly store: EventStore,
    /** Told how many events were set aside in quarantine. */
    private readonly onQuarantine: (events: number) => void = () => {},
  ) {}

  /** Applies what the log holds past the store's offset, one transaction's worth. Returns events applied. */
  async step(): Promise<number> {
    this.applied ??= await this.store.appliedOffset();
    const batches = await this.log.read(this.applied, EVENTS_PER_APPLY);
    if (batches.length === 0) return 0;
    await applyOrQuarantine(this.store, batches, this.onQuarantine);
    this.applied = batches[batches.length - 1]!.offset;
    if (Date.now() - this.reported >= REPORT_INTERVAL_MS) await this.report();
    return batches.reduce((n, b) => n + b.count, 0);
  }

  /** Applies until the log has nothing more; for tools that run without a server. */
  async drain(onProgress?: (events: number) => void): Promise<number> {
    let total = 0;
    for (let n = await this.step(); n > 0; n = await this.step()) {
      total += n;
      onProgress?.(total);
    }
    await this.report();
    return total;
  }

  /** Tells the log how far the store has durably applied; call on shutdown too. */
  async report(): Promise<void> {
    if (this.applied === null) return;
    this.reported = Date.now();
    await this.log.commitConsumer(STORE_CONSUMER, this.applied);
  }

  appliedOffset(): number {
    return this.applied ?? 0;
  }
}
