import Database from 'better-sqlite3';
import { KEY_CHARS, type EncodedBatch, type EventLog, type EventRef, type LogBatch } from '../event-log.ts';

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
  private readonly appendTx: (batches: readonly EncodedBatch[]) => Uint8Array[];

  /**
   * `cacheMiB`: SQLite's page cache. The appending connection wants the right edge of
   * the dedup index hot (the default, 64 MiB); a connection that only reads the log
   * tail and reports offsets needs little.
   */
  constructor(file: string, options: { cacheMiB?: number } = {}) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma(`cache_size = -${(options.cacheMiB ?? 64) * 1024}`);
    this.db.exec(SCHEMA);
    this.insertKey = this.db.prepare('INSERT OR IGNORE INTO dedup (key) VALUES (unhex(?))');
    this.insertBatch = this.db.prepare('INSERT INTO log (docs, count) VALUES (?, ?)');
    this.appendTx = this.db.transaction((batches: readonly EncodedBatch[]) =>
      batches.map((b) => this.appendOne(b)),
    );
  }

  private appendOne(batch: EncodedBatch): Uint8Array {
    const n = batch.keys.length / KEY_CHARS;
    const fresh = new Uint8Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (this.insertKey.run(batch.keys.slice(i * KEY_CHARS, (i + 1) * KEY_CHARS)).changes === 1) {
        fresh[i] = 1;
        count++;
      }
    }
    if (count === n) this.insertBatch.run(batch.docs, n);
    else if (count > 0) {
      const docs = batch.docs.split('\n').filter((_, i) => fresh[i] === 1);
      this.insertBatch.run(docs.join('\n'), count);
    }
    return fresh;
  }

  async append(batches: readonly EncodedBatch[]): Promise<Uint8Array[]> {
    return this.appendTx(batches);
  }

  async read(after: number, maxEvents: number): Promise<LogBatch[]> {
    const out: LogBatch[] = [];
    let events = 0;
    const rows = this.db
      .prepare<[number], LogBatch>('SELECT offset, docs, count FROM log WHERE offset > ? ORDER BY offset')
      .iterate(after);
    for (const row of rows) {
      if (out.length > 0 && events + row.count > maxEvents) break;
      out.push(row);
      events += row.count;
    }
    return out;
  }

  async head(): Promise<number> {
    const row = this.db
      .prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'log'")
      .get();
    return row?.seq ?? 0;
  }

  async commitConsumer(name: string, offset: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO consumers (name, offset) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET offset = max(offset, excluded.offset)`,
      )
      .run(name, offset);
  }

  async docsAt(refs: readonly EventRef[]): Promise<string[]> {
    const batches = new Map<number, string[]>();
    const get = this.db.prepare<[number], { docs: string }>('SELECT docs FROM log WHERE offset = ?');
    return refs.map(({ offset, index }) => {
      let docs = batches.get(offset);
      if (!docs) {
        const row = get.get(offset);
        if (!row) throw new Error(`no log batch at offset ${offset}`);
        docs = row.docs.split('\n');
        batches.set(offset, docs);
      }
      const doc = docs[index];
      if (doc === undefined) throw new Error(`no event ${index} in log batch ${offset}`);
      return doc;
    });
  }

  async consumerOffset(name: string): Promise<number> {
    const row = this.db
      .prepare<[string], { offset: number }>('SELECT offset FROM consumers WHERE name = ?')
      .get(name);
    return row?.offset ?? 0;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
