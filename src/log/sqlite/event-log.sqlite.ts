import type Database from 'better-sqlite3';
import { openSqlite } from '../../storage/sqlite.ts';
import {
  KEY_CHARS,
  READ_MAX_CHARS,
  type Appended,
  type EncodedBatch,
  type EventLog,
  type EventRef,
  type LogBatch,
  type LogConsumer,
} from '../event-log.port.ts';
import { OffsetConsumer } from '../offset-consumer.ts';
import { compressSegment, WRITE_CODEC } from './segment-codec.ts';
import { DEDUP_SCHEMA, DedupIndex } from './dedup-index.ts';
import { draftSegments, SEGMENT_BYTES, type SettledBatch } from './segments.ts';
import { SegmentReader, segmentStatements, type SegmentStatements } from './segment-reader.ts';

const SCHEMA = `${DEDUP_SCHEMA}
  -- The hot tail: batches as appended, until every consumer has read them.
  -- AUTOINCREMENT: offsets are never reused, whatever is deleted.
  CREATE TABLE IF NOT EXISTS log (
    offset INTEGER PRIMARY KEY AUTOINCREMENT, docs TEXT NOT NULL, count INTEGER NOT NULL);
  -- The settled log, compressed (segments.ts): every batch is kept, the log is the
  -- archive of full event documents. Keyed by the seq of a segment's first document.
  CREATE TABLE IF NOT EXISTS segments (
    first INTEGER PRIMARY KEY, last_offset INTEGER NOT NULL, events INTEGER NOT NULL,
    codec TEXT NOT NULL, bytes INTEGER NOT NULL, data BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS consumers (name TEXT PRIMARY KEY, offset INTEGER NOT NULL);
`;

/** What one compaction step did. */
export interface CompactResult {
  events: number;
  segments: number;
  /** Documents moved, in bytes, and their size compressed. */
  bytesIn: number;
  bytesOut: number;
  /** Pages given back to the file system. */
  freedPages: number;
  /** Dedup keys moved from the hot B-tree into blocks (dedup-index.ts). */
  keysSettled: number;
}

/**
 * Free pages a file keeps for the tail to grow into (4 KiB each: 16 MiB, what a few
 * seconds of full ingest append), and the most one step gives back (16 MiB): a
 * backlog's pages are freed as it is compacted, and returning them all at once would
 * hold the log's thread while appends wait.
 */
const FREE_PAGES_KEPT = 4_096;
const FREE_PAGES_STEP = 4_096;

/** The most characters of documents appended in one transaction, unless one event alone is larger. */
const TRANSACTION_CHARS = 1024 * 1024;

/** A batch cut between its events into pieces of about `chars` characters of documents. */
function* piecesOf(batch: EncodedBatch, chars: number): Generator<EncodedBatch> {
  let from = 0;
  let event = 0;
  while (from < batch.docs.length) {
    let to = from;
    let events = 0;
    // Whole documents, up to `chars` (at least one).
    while (to < batch.docs.length && (events === 0 || to - from < chars)) {
      const eol = batch.docs.indexOf('\n', to);
      to = eol === -1 ? batch.docs.length : eol + 1;
      events++;
    }
    const end = to < batch.docs.length ? to - 1 : to;
    yield {
      keys: batch.keys.slice(event * KEY_CHARS, (event + events) * KEY_CHARS),
      docs: batch.docs.slice(from, end),
    };
    from = to;
    event += events;
  }
}

/**
 * EventLog on an SQLite file in WAL mode with `synchronous = FULL`: a commit returns
 * once the WAL is fsync'd, which is what lets ingest acknowledge on return.
 * better-sqlite3 is synchronous, so one `append` is one transaction that blocks its
 * thread; the server runs this adapter on a thread of its own (log/thread/).
 *
 * Appends go to the `log` table, as written; once every consumer has read a stretch of
 * it, `compact` (run by the log's thread between appends) moves it into compressed
 * segments (segments.ts). Reads and `docsAt` find a batch in either, so no reader knows
 * where a batch lies.
 */
export class SqliteEventLog implements EventLog {
  private readonly db: Database.Database;
  private readonly dedup: DedupIndex;
  private readonly insertBatch: Database.Statement<[string, number]>;
  private readonly appendTx: (batches: readonly EncodedBatch[]) => Appended[];
  // Prepared once: the store writer reads every step, export fetches batch after batch.
  private readonly selectAfter: Database.Statement<[number], LogBatch>;
  private readonly selectBatch: Database.Statement<[number], { docs: string }>;
  private readonly selectHead: Database.Statement<[], { seq: number }>;
  private readonly upsertConsumer: Database.Statement<[string, number]>;
  private readonly selectConsumer: Database.Statement<[string], { offset: number }>;
  private readonly segmentsIn: SegmentReader;
  private readonly readTx: (after: number, maxEvents: number) => LogBatch[];
  private readonly statements: SegmentStatements;

  private readonly segmentBytes: number;

  /**
   * `cacheMiB`: SQLite's page cache (default 64 MiB, for a command reading much of the
   * log). The appending connection needs only the dedup index's right edge hot
   * (log/thread/log-worker.ts says why it is small); one that reads the log tail and
   * reports offsets needs little. `segmentBytes`: the compacted segments' size before
   * compression (SEGMENT_BYTES; tests make it small to compact every few batches);
   * `dedupHotKeys`, `dedupBlockKeys`: the dedup index's (dedup-index.ts), small in tests.
   */
  constructor(
    file: string,
    options: {
      cacheMiB?: number;
      segmentBytes?: number;
      dedupHotKeys?: number;
      dedupBlockKeys?: number;
    } = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
    this.db = openSqlite(file, SCHEMA, {
      busyTimeoutMs: 10_000,
      pragmas: [`cache_size = -${(options.cacheMiB ?? 64) * 1024}`],
      // A new file returns the pages compaction frees (compact, below); one made
      // before keeps its size and reuses them.
      incrementalVacuum: true,
    });
    this.dedup = new DedupIndex(this.db, {
      hotKeys: options.dedupHotKeys,
      blockKeys: options.dedupBlockKeys,
    });
    this.insertBatch = this.db.prepare('INSERT INTO log (docs, count) VALUES (?, ?)');
    this.selectAfter = this.db.prepare(
      'SELECT offset, docs, count FROM log WHERE offset > ? ORDER BY offset',
    );
    this.selectBatch = this.db.prepare('SELECT docs FROM log WHERE offset = ?');
    this.selectHead = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'log'");
    this.upsertConsumer = this.db.prepare(
      `INSERT INTO consumers (name, offset) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET offset = max(offset, excluded.offset)`,
    );
    this.selectConsumer = this.db.prepare('SELECT offset FROM consumers WHERE name = ?');
    this.appendTx = this.db.transaction((batches: readonly EncodedBatch[]) =>
      batches.map((b) => this.appendOne(b)),
    );
    this.statements = segmentStatements(this.db);
    this.segmentsIn = new SegmentReader(this.statements);
    // One snapshot for the segments and the tail: a compaction committed between the
    // two reads would otherwise move batches out of sight.
    this.readTx = this.db.transaction((after: number, maxEvents: number) => this.readIn(after, maxEvents));
  }

  private appendOne(batch: EncodedBatch): Appended {
    const n = batch.keys.length / KEY_CHARS;
    const fresh = new Uint8Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (this.dedup.add(batch.keys.slice(i * KEY_CHARS, (i + 1) * KEY_CHARS))) {
        fresh[i] = 1;
        count++;
      }
    }
    if (count === 0) return { fresh, offset: null };
    const docs =
      count === n
        ? batch.docs
        : batch.docs
            .split('\n')
            .filter((_, i) => fresh[i] === 1)
            .join('\n');
    return { fresh, offset: Number(this.insertBatch.run(docs, count).lastInsertRowid) };
  }

  /**
   * The batches of one call in one transaction, up to TRANSACTION_CHARS of documents; past
   * that, in transactions of about that size (a batch larger alone cut between its
   * events), with other appends let in between: 20 MB written in one transaction holds
   * the log, and every other tenant's acknowledgement, for hundreds of milliseconds.
   * What one call appends becomes durable transaction by transaction; a caller
   * acknowledges nothing before the last, and a client's resend of what was written
   * before a failure is told it holds duplicates (exact dedup).
   */
  async append(batches: readonly EncodedBatch[]): Promise<Appended[]> {
    let total = 0;
    for (const b of batches) total += b.docs.length;
    if (total <= TRANSACTION_CHARS) return this.appendTx(batches);
    const out: Appended[] = [];
    let run: EncodedBatch[] = [];
    let runChars = 0;
    const commitRun = async () => {
      if (run.length === 0) return;
      out.push(...this.appendTx(run));
      run = [];
      runChars = 0;
      await new Promise((resolve) => setImmediate(resolve));
    };
    for (const batch of batches) {
      if (batch.docs.length > TRANSACTION_CHARS) {
        await commitRun();
        out.push(await this.appendInPieces(batch));
        continue;
      }
      if (runChars + batch.docs.length > TRANSACTION_CHARS) await commitRun();
      run.push(batch);
      runChars += batch.docs.length;
    }
    await commitRun();
    return out;
  }

  private async appendInPieces(batch: EncodedBatch): Promise<Appended> {
    const fresh = new Uint8Array(batch.keys.length / KEY_CHARS);
    const offsets: number[] = [];
    let at = 0;
    for (const piece of piecesOf(batch, TRANSACTION_CHARS)) {
      const [appended] = this.appendTx([piece]);
      fresh.set(appended!.fresh, at);
      at += appended!.fresh.length;
      if (appended!.offset !== null) offsets.push(appended!.offset);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { fresh, offset: offsets.length === 1 ? offsets[0]! : null };
  }

  async read(after: number, maxEvents: number): Promise<LogBatch[]> {
    return this.readTx(after, maxEvents);
  }

  private readIn(after: number, maxEvents: number): LogBatch[] {
    const out: LogBatch[] = [];
    const limits = { events: 0, chars: 0 };
    const fits = (count: number, chars: number) =>
      out.length === 0 || (limits.events + count <= maxEvents && limits.chars + chars <= READ_MAX_CHARS);
    const take = (b: LogBatch) => {
      out.push(b);
      limits.events += b.count;
      limits.chars += b.docs.length;
    };
    let from = after;
    const settledTo = this.statements.lastSegment.get()?.last_offset ?? 0;
    if (after < settledTo) {
      for (const b of this.segmentsIn.batchesAfter(after)) {
        if (!fits(b.count, b.docs.length)) return out;
        take(b);
        from = b.offset;
      }
      from = Math.max(from, settledTo);
    }
    for (const row of this.selectAfter.iterate(from)) {
      if (!fits(row.count, row.docs.length)) break;
      take(row);
    }
    return out;
  }

  async head(): Promise<number> {
    return this.selectHead.get()?.seq ?? 0;
  }

  async commitConsumer(name: string, offset: number): Promise<void> {
    this.upsertConsumer.run(name, offset);
  }

  /** The tail first (a ref that misses it was moved, so the segments have it), then the segments. */
  async docsAt(refs: readonly EventRef[]): Promise<string[]> {
    const tail = new Map<number, string[] | null>();
    return refs.map((ref) => {
      let docs = tail.get(ref.offset);
      if (docs === undefined) {
        docs = this.selectBatch.get(ref.offset)?.docs.split('\n') ?? null;
        tail.set(ref.offset, docs);
      }
      const doc = docs ? docs[ref.index] : this.segmentsIn.docAt(ref);
      if (doc === undefined) throw new Error(`no event ${ref.index} in log batch ${ref.offset}`);
      return doc;
    });
  }

  /**
   * Moves settled batches — those every consumer has committed — into compressed
   * segments, about `maxBytes` of documents at most per call (one segment: ~1–2 ms that
   * appends wait behind), in one transaction.
   * Returns the events moved (0: nothing settled makes a whole segment yet). A step that
   * moves nothing gives back free pages past FREE_PAGES_KEPT instead, a step at a time
   * (new files; see the schema): giving them back costs ~1 µs per event's worth of pages
   * moved, wasted while a backlog is compacted, as appends reuse them.
   */
  compact(maxBytes = this.segmentBytes): CompactResult {
    const result: CompactResult = {
      events: 0,
      segments: 0,
      bytesIn: 0,
      bytesOut: 0,
      freedPages: 0,
      keysSettled: this.dedup.settle().keys,
    };
    const settled = this.statements.settled.get()?.offset ?? null;
    if (settled === null) return result;
    const rows: SettledBatch[] = [];
    let bytes = 0;
    for (const row of this.statements.settledRows.iterate(settled)) {
      rows.push(row);
      bytes += row.docs.length;
      if (bytes >= maxBytes) break;
    }
    const drafts = draftSegments(rows, { bytes: this.segmentBytes });
    if (drafts.length === 0) {
      // Nothing to move: a backlog is compacted. Its pages, freed meanwhile, would have
      // been reused by the appends; what is free now beyond the tail's share goes back.
      result.freedPages = this.returnFreePages();
      return result;
    }
    const compressed = drafts.map((d) => ({ ...d, data: compressSegment(d.text) }));
    this.db.transaction(() => {
      for (const d of compressed) {
        this.statements.insertSegment.run(
          d.first,
          d.lastOffset,
          d.events,
          WRITE_CODEC,
          d.text.length,
          d.data,
        );
        result.events += d.events;
        result.bytesIn += d.text.length;
        result.bytesOut += d.data.length;
      }
      this.statements.deleteThrough.run(compressed[compressed.length - 1]!.lastOffset);
    })();
    result.segments = compressed.length;
    return result;
  }

  private returnFreePages(): number {
    if (this.db.pragma('auto_vacuum', { simple: true }) !== 2) return 0;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const excess = Math.min(free - FREE_PAGES_KEPT, FREE_PAGES_STEP);
    if (excess <= 0) return 0;
    this.db.pragma(`incremental_vacuum(${excess})`);
    return excess;
  }

  async consumerOffset(name: string): Promise<number> {
    return this.selectConsumer.get(name)?.offset ?? 0;
  }

  async consumer(name: string): Promise<LogConsumer> {
    return new OffsetConsumer(this, name);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
