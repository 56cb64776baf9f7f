import type Database from 'better-sqlite3';
import { openSqlite } from '../../storage/sqlite.ts';
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
import { OffsetConsumer } from '../offset-consumer.ts';

const SCHEMA = `
  -- One row per event ever accepted; the key grows with event time (domain/dedup.ts),
  -- so this B-tree fills at its right edge.
  CREATE TABLE IF NOT EXISTS dedup (key BLOB PRIMARY KEY) WITHOUT ROWID;
  -- Every batch is kept: the log is the archive of full event documents.
  -- AUTOINCREMENT: offsets are never reused, whatever is deleted.
  CREATE TABLE IF NOT EXISTS log (
    offset INTEGER PRIMARY KEY AUTOINCREMENT, docs TEXT NOT NULL, count INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS consumers (name TEXT PRIMARY KEY, offset INTEGER NOT NULL);
`;

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
 */
export class SqliteEventLog implements EventLog {
  private readonly db: Database.Database;
  private readonly insertKey: Database.Statement<[string]>;
  private readonly insertBatch: Database.Statement<[string, number]>;
  private readonly appendTx: (batches: readonly EncodedBatch[]) => Appended[];
  // Prepared once: the store writer reads every step, export fetches batch after batch.
  private readonly selectAfter: Database.Statement<[number], LogBatch>;
  private readonly selectBatch: Database.Statement<[number], { docs: string }>;
  private readonly selectHead: Database.Statement<[], { seq: number }>;
  private readonly upsertConsumer: Database.Statement<[string, number]>;
  private readonly selectConsumer: Database.Statement<[string], { offset: number }>;

  /**
   * `cacheMiB`: SQLite's page cache (default 64 MiB, for a command reading much of the
   * log). The appending connection needs only the dedup index's right edge hot
   * (log/thread/log-worker.ts says why it is small); one that reads the log tail and
   * reports offsets needs little.
   */
  constructor(file: string, options: { cacheMiB?: number } = {}) {
    this.db = openSqlite(file, SCHEMA, {
      busyTimeoutMs: 10_000,
      pragmas: [`cache_size = -${(options.cacheMiB ?? 64) * 1024}`],
    });
    this.insertKey = this.db.prepare('INSERT OR IGNORE INTO dedup (key) VALUES (unhex(?))');
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
  }

  private appendOne(batch: EncodedBatch): Appended {
    const n = batch.keys.length / KEY_CHARS;
    const fresh = new Uint8Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (this.insertKey.run(batch.keys.slice(i * KEY_CHARS, (i + 1) * KEY_CHARS)).changes === 1) {
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
    const out: LogBatch[] = [];
    let events = 0;
    let chars = 0;
    for (const row of this.selectAfter.iterate(after)) {
      if (out.length > 0 && (events + row.count > maxEvents || chars + row.docs.length > READ_MAX_CHARS))
        break;
      out.push(row);
      events += row.count;
      chars += row.docs.length;
    }
    return out;
  }

  async head(): Promise<number> {
    return this.selectHead.get()?.seq ?? 0;
  }

  async commitConsumer(name: string, offset: number): Promise<void> {
    this.upsertConsumer.run(name, offset);
  }

  async docsAt(refs: readonly EventRef[]): Promise<string[]> {
    return docsByRef(refs, (offset) => this.selectBatch.get(offset)?.docs ?? null);
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
