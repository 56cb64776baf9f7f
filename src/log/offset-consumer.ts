import type { EventLog, LogBatch, LogConsumer } from './event-log.port.ts';

/** How often a waiting member looks for new batches. */
const POLL_MS = 20;

/**
 * A consumer group over a log that keeps consumer offsets (the embedded log): one
 * process owns the data directory, so a group has one member, which reads forward from
 * the offset last acked and, after a restart, from there again.
 */
export class OffsetConsumer implements LogConsumer {
  private position: number | null = null;

  constructor(
    private readonly log: Pick<EventLog, 'read' | 'head' | 'commitConsumer' | 'consumerOffset'>,
    private readonly name: string,
  ) {}

  async next(maxEvents: number, waitMs: number): Promise<LogBatch[]> {
    this.position ??= await this.log.consumerOffset(this.name);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const batches = await this.log.read(this.position, maxEvents);
      if (batches.length > 0) {
        this.position = batches[batches.length - 1]!.offset;
        return batches;
      }
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, left)));
    }
  }

  async ack(batches: readonly LogBatch[]): Promise<void> {
    if (batches.length === 0) return;
    await this.log.commitConsumer(this.name, Math.max(...batches.map((b) => b.offset)));
  }

  async skip(): Promise<void> {
    this.position ??= await this.log.consumerOffset(this.name);
    const head = await this.log.head();
    if (head <= this.position) return;
    await this.log.commitConsumer(this.name, head);
    this.position = head;
  }

  async close(): Promise<void> {
    this.position = null;
  }
}
