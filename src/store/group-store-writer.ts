import type { EventLog, LogConsumer } from '../log/event-log.ts';
import type { EventStore } from './event-store.ts';
import { EVENTS_PER_APPLY, STORE_CONSUMER } from './store-writer.ts';

/** How long a writer waits for batches before looking again (and noticing a stop). */
const WAIT_MS = 500;
/** After a failed apply (the database restarting), wait this long before trying again. */
const RETRY_MS = 1000;

/**
 * The store writer of the scale profile: members of the log's `store` consumer group,
 * `writers` of them in this process and any number in others, each applying the batches
 * it is handed and acking them after the store committed. The store's dedup index makes
 * a batch applied twice (a writer that died before its ack) harmless.
 */
export class GroupStoreWriter {
  private stopping = false;
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly log: EventLog,
    private readonly store: EventStore,
    private readonly onError: (err: Error) => void,
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
            await this.store.apply(batches);
            break;
          } catch (err) {
            this.onError(err as Error);
            if (this.stopping) return;
            await new Promise((r) => setTimeout(r, RETRY_MS));
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
