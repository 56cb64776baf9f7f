import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { LogBatch, LogConsumer } from '../event-log.port.ts';

const NANOS_PER_MS = 1_000_000;
/** Messages a member holds ahead of its work: enough to keep busy, few enough to share. */
const PREFETCH = 16;
const DECODER = new TextDecoder();
/** Wait before subscribing again after a subscription ended. */
const RESUBSCRIBE_MS = 250;
const PULL_EXPIRES_MS = 5000;

/** A batch's documents are one JSON object per line: its event count is its line count. */
export function lineCount(docs: string): number {
  let n = 1;
  for (let i = docs.indexOf('\n'); i !== -1; i = docs.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * A member of a durable JetStream pull consumer. Members with the same name, in any
 * process, share the consumer: JetStream hands each message to one of them and gives it
 * to another when it is not acked within the ack wait (a member that died) or is nak'ed
 * (a member that closed).
 */
export class JetStreamConsumer implements LogConsumer {
  private readonly queue: JsMsg[] = [];
  private readonly held = new Map<number, JsMsg>();
  private wake: (() => void) | null = null;
  private space: (() => void) | null = null;
  private closed = false;

  private messages: ConsumerMessages | null = null;

  private constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly name: string,
  ) {
    void this.pump();
  }

  static async join(
    js: JetStreamClient,
    jsm: JetStreamManager,
    stream: string,
    name: string,
    ackWaitMs: number,
  ): Promise<JetStreamConsumer> {
    try {
      await jsm.consumers.info(stream, name);
    } catch (err) {
      if (!/consumer not found/i.test((err as Error).message)) throw err;
      try {
        await jsm.consumers.add(stream, {
          durable_name: name,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: ackWaitMs * NANOS_PER_MS,
          max_deliver: -1,
        });
      } catch (addErr) {
        if (!/already in use|already exists/i.test((addErr as Error).message)) throw addErr;
      }
    }
    return new JetStreamConsumer(js, stream, name);
  }

  /**
   * Moves messages from the client into the queue, and stops taking while the queue is
   * full: the client then stops pulling, so a member never holds more than it can work
   * through within the ack wait (taking everything at once made a lagging worker hold
   * the whole backlog in memory, and JetStream redeliver it). The subscription can end
   * under it — the consumer electing a new leader, a reconnect — so it subscribes again
   * until the member closes.
   */
  private async pump(): Promise<void> {
    while (!this.closed) {
      try {
        const consumer = await this.js.consumers.get(this.stream, this.name);
        // Short-lived pull requests: one lost with a node that stopped is renewed within
        // seconds (the default, 30 s, left members idle that long after a failover).
        this.messages = await consumer.consume({ max_messages: PREFETCH, expires: PULL_EXPIRES_MS });
        for await (const m of this.messages) {
          this.queue.push(m);
          this.wake?.();
          while (this.queue.length >= PREFETCH && !this.closed)
            await new Promise<void>((r) => (this.space = r));
          if (this.closed) break;
        }
      } catch {
        // JetStream unreachable for now: subscribe again below.
      }
      if (!this.closed) await new Promise((r) => setTimeout(r, RESUBSCRIBE_MS));
    }
  }

  async next(maxEvents: number, waitMs: number): Promise<LogBatch[]> {
    if (this.queue.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    const out: LogBatch[] = [];
    let events = 0;
    while (this.queue.length > 0) {
      const m = this.queue[0]!;
      const docs = DECODER.decode(m.data);
      const count = lineCount(docs);
      if (out.length > 0 && events + count > maxEvents) break;
      this.queue.shift();
      this.space?.();
      this.held.set(m.seq, m);
      out.push({ offset: m.seq, docs, count });
      events += count;
    }
    return out;
  }

  async ack(batches: readonly LogBatch[]): Promise<void> {
    // Acks are confirmed, so that what a member acked and then died is not redelivered.
    // An ack that fails (JetStream electing a leader) is not an error: the batch comes
    // back after the ack wait, and every consumer is idempotent.
    await Promise.all(
      batches.map(async (b) => {
        const m = this.held.get(b.offset);
        if (!m) return;
        this.held.delete(b.offset);
        await m.ackAck().catch(() => false);
      }),
    );
  }

  async skip(): Promise<void> {
    // JetStream cannot move an ack floor without delivering: take and ack what is there.
    for (
      let batches = await this.next(Infinity, 0);
      batches.length > 0;
      batches = await this.next(Infinity, 0)
    )
      await this.ack(batches);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    this.space?.();
    await this.messages?.close();
    // What this member took and did not finish goes to another member at once.
    for (const m of [...this.held.values(), ...this.queue]) m.nak();
    this.held.clear();
    this.queue.length = 0;
  }
}
