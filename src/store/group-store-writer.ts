import type { EventLog, LogConsumer } from '../log/event-log.port.ts';
import type { EventStore } from './event-store.port.ts';
import { EVENTS_PER_APPLY, STORE_CONSUMER } from './store-writer.ts';
import { applyOrQuarantine } from './apply-or-quarantine.ts';
import { StoreStatusTracker } from './store-status.ts';
import { reasonOf } from './quarantine.ts';

/** How long a writer waits for batches before looking again (and noticing a stop). */
const WAIT_MS = 500;

/**
 * The store writer of the scale profile: members of the log's `store` consumer group,
 * `writers` of them in this process and any number in others, each applying the batches
 * it is handed and acking them after the store committed. The store's dedup index makes
 * a batch applied twice (a writer that died before its ack) harmless.
 */
export class GroupStoreWriter {
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  readonly status = new StoreStatusTracker();

  constructor(
    private readonly log: EventLog,
    private readonly store: EventStore,
    private readonly onError: (err: Error) => void,
    private readonly onQuarantine: (events: number) => void = () => {},
  ) {}

  async start(writers: number): Promise<void> {
    for (let i = 0; i < writers; i++) {
      const member = await this.log.consumer(STORE_CONSUMER);
      this.loops.push(this.run(member));
    }
  }

  private async run(member: LogConsumer): Promise<void> {
    try {
      while (!this.stopping) {
        const batches = await member.next(EVENTS_PER_APPLY, WAIT_MS);
        if (batches.length === 0) continue;
        // Kept until applied: a stop waits for the current apply, then acks it.
        for (;;) {
          try {
            await applyOrQuarantine(this.store, batches, this.onQuarantine);
            this.status.ok();
            break;
          } catch (err) {
            // The message only: PostgreSQL's errors carry the input they failed on (`where`).
            this.onError(new Error(reasonOf(err)));
            const wait = this.status.failed(err);
            if (this.stopping) return;
            await new Promise((r) => setTimeout(r, wait));
          }
        }
        await member.ack(batches);
      }
    } finally {
      await member.close();
    }
  }

  /** Finishes the applies under way, acks them, and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }
}
