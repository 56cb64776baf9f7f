import { hash } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
} from '@nats-io/jetstream';
import type pg from 'pg';
import { openMigratedPool } from '../../storage/pg-migrations.ts';
import { transaction, type PgLocation } from '../../storage/postgres.ts';
import {
  docsByRef,
  KEY_CHARS,
  READ_MAX_CHARS,
  type Appended,
  type EncodedBatch,
  type EventLog,
  type EventRef,
  type LogBatch,
  type LogConsumer,
} from '../event-log.port.ts';
import { JetStreamConsumer, lineCount } from './consumer.jetstream.ts';

export interface JetStreamLogOptions {
  /** NATS server URLs (any node of the cluster). */
  servers: string[];
  /** The stream's name; its subject is `<stream>.events`. */
  stream: string;
  /** Copies of every message kept by the cluster (1, 3 or 5); used when the stream is created. */
  replicas: number;
  /** How long a consumer member may hold a batch without acking before it goes to another. */
  ackWaitMs: number;
  /** Where the dedup keys are claimed (the scale profile's PostgreSQL). */
  pg: PgLocation;
  migrate: boolean;
}

/** Bytes of headroom under the server's max_payload for the message's headers. */
const HEADER_ROOM = 4096;
const NANOS_PER_MS = 1_000_000;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/**
 * EventLog on a NATS JetStream stream (file storage, replicated), for the scale profile.
 * Offsets are stream sequence numbers; each message holds one request batch's new events
 * as NDJSON (split to fit the server's largest message).
 *
 * Dedup is exact across every ingest process: `append` claims the events' keys in
 * PostgreSQL in a transaction that commits only after JetStream acknowledged the
 * messages. A claim that waits on another process's uncommitted claim of the same key
 * resolves when that one commits (a duplicate) or rolls back (new). A failure between
 * JetStream's ack and the commit leaves the events in the stream unclaimed; the client,
 * which got an error, resends, and the resent message carries the same message id, which
 * JetStream drops within its duplicate window — the store's own dedup index covers
 * anything later.
 */
export class JetStreamEventLog implements EventLog {
  private readonly subject: string;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly pool: pg.Pool,
    private readonly options: JetStreamLogOptions,
  ) {
    this.subject = `${options.stream}.events`;
  }

  static async open(options: JetStreamLogOptions): Promise<JetStreamEventLog> {
    const pool = await openMigratedPool(options.pg, 8, options);
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: options.servers, name: 'usagehub', maxReconnectAttempts: -1 });
      const jsm = await jetstreamManager(nc);
      await ensureStream(jsm, options);
      return new JetStreamEventLog(nc, jetstream(nc), jsm, pool, options);
    } catch (err) {
      await nc?.close();
      await pool.end();
      throw err;
    }
  }

  async append(batches: readonly EncodedBatch[]): Promise<Appended[]> {
    const keys: string[] = [];
    for (const b of batches)
      for (let i = 0; i < b.keys.length; i += KEY_CHARS) keys.push(b.keys.slice(i, i + KEY_CHARS));
    if (keys.length === 0) return batches.map(() => ({ fresh: new Uint8Array(0), offset: null }));
    return transaction(this.pool, async (client) => {
      // Sorted, so that processes claiming overlapping keys lock them in one order.
      const claimed = await client.query<{ k: string }>(
        `INSERT INTO log_keys (key) SELECT decode(k, 'hex') FROM unnest($1::text[]) AS k ORDER BY k
         ON CONFLICT DO NOTHING RETURNING encode(key, 'hex') AS k`,
        [keys],
      );
      const fresh = new Set(claimed.rows.map((r) => r.k));
      const outcome = batches.map((b) => {
        const n = b.keys.length / KEY_CHARS;
        const flags = new Uint8Array(n);
        // Deleting marks only the first of equal keys in this call as new.
        for (let i = 0; i < n; i++)
          flags[i] = fresh.delete(b.keys.slice(i * KEY_CHARS, (i + 1) * KEY_CHARS)) ? 1 : 0;
        return flags;
      });
      // The claims commit only once JetStream has acknowledged every message.
      const acks = await Promise.all(batches.map((b, i) => Promise.all(this.publishFresh(b, outcome[i]!))));
      return outcome.map((fresh, i) => {
        const [ack, ...more] = acks[i]!;
        // A resend JetStream dropped as a duplicate is not where its events are now.
        return { fresh, offset: ack && more.length === 0 && !ack.duplicate ? ack.seq : null };
      });
    });
  }

  /** Publishes a batch's new events, in messages no larger than the server takes. */
  private publishFresh(batch: EncodedBatch, fresh: Uint8Array): Promise<PubAck>[] {
    const docs = batch.docs.split('\n');
    const limit = this.nc.info!.max_payload - HEADER_ROOM;
    const sends: Promise<PubAck>[] = [];
    let lines: string[] = [];
    let keys = '';
    let bytes = 0;
    const send = () => {
      if (lines.length === 0) return;
      const payload = ENCODER.encode(lines.join('\n'));
      // The same events resent give the same id: JetStream keeps the first message.
      const msgID = hash('sha256', keys, 'hex');
      sends.push(
        this.js.publish(this.subject, payload, { msgID, expect: { streamName: this.options.stream } }),
      );
      lines = [];
      keys = '';
      bytes = 0;
    };
    for (let i = 0; i < docs.length; i++) {
      if (!fresh[i]) continue;
      const size = Buffer.byteLength(docs[i]!) + 1;
      if (bytes + size > limit) send();
      if (size > limit)
        throw new Error(`an event of ${size} bytes is larger than the NATS server's max_payload`);
      lines.push(docs[i]!);
      keys += batch.keys.slice(i * KEY_CHARS, (i + 1) * KEY_CHARS);
      bytes += size;
    }
    send();
    return sends;
  }

  async read(after: number, maxEvents: number): Promise<LogBatch[]> {
    const head = await this.head();
    const out: LogBatch[] = [];
    let events = 0;
    let chars = 0;
    for (let seq = after + 1; seq <= head; seq++) {
      const batch = await this.batchAt(seq);
      if (!batch) continue;
      if (out.length > 0 && (events + batch.count > maxEvents || chars + batch.docs.length > READ_MAX_CHARS))
        break;
      out.push(batch);
      events += batch.count;
      chars += batch.docs.length;
    }
    return out;
  }

  private async batchAt(seq: number): Promise<LogBatch | null> {
    const msg = await this.jsm.streams.getMessage(this.options.stream, { seq });
    if (!msg) return null;
    const docs = DECODER.decode(msg.data);
    return { offset: seq, docs, count: lineCount(docs) };
  }

  async head(): Promise<number> {
    const info = await this.jsm.streams.info(this.options.stream);
    return info.state.last_seq;
  }

  async docsAt(refs: readonly EventRef[]): Promise<string[]> {
    return docsByRef(refs, async (offset) => (await this.batchAt(offset))?.docs ?? null);
  }

  async commitConsumer(name: string, offset: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO log_consumers (name, log_offset) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE
       SET log_offset = greatest(log_consumers.log_offset, excluded.log_offset)`,
      [name, offset],
    );
  }

  async consumerOffset(name: string): Promise<number> {
    const r = await this.pool.query<{ o: string }>(
      'SELECT log_offset AS o FROM log_consumers WHERE name = $1',
      [name],
    );
    return r.rows.length ? Number(r.rows[0]!.o) : 0;
  }

  /** Batches a consumer group has not acked yet: waiting, and handed out. */
  async pending(name: string): Promise<number> {
    try {
      const info = await this.jsm.consumers.info(this.options.stream, name);
      return info.num_pending + info.num_ack_pending;
    } catch (err) {
      // The group forms when its first member joins; until then, all of the log waits.
      if (/consumer not found/i.test((err as Error).message)) return this.head();
      throw err;
    }
  }

  async consumer(name: string): Promise<LogConsumer> {
    return JetStreamConsumer.join(this.js, this.jsm, this.options.stream, name, this.options.ackWaitMs);
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
    await this.pool.end();
  }
}

/** Creates the stream when it does not exist; an existing stream is left as its operator set it. */
async function ensureStream(jsm: JetStreamManager, o: JetStreamLogOptions): Promise<void> {
  try {
    await jsm.streams.info(o.stream);
    return;
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
  }
  try {
    await jsm.streams.add({
      name: o.stream,
      subjects: [`${o.stream}.events`],
      storage: StorageType.File,
      num_replicas: o.replicas,
      // Resends within this window are dropped by message id.
      duplicate_window: 10 * 60 * 1000 * NANOS_PER_MS,
    });
  } catch (err) {
    // Another process created it first.
    if (!/already in use|already exists/i.test((err as Error).message)) throw err;
  }
}
