import Database from 'better-sqlite3';
import type { UsageEvent } from '../domain/event.ts';
import type { EventLog, LogBatch } from './event-log.ts';

const SCHEMA = `
  -- One row per event ever accepted; the key grows with event time (domain/dedup.ts),
  -- so this B-tree fills at its right edge.
  CREATE TABLE IF NOT EXISTS dedup (key BLOB PRIMARY KEY) WITHOUT ROWID;
  -- AUTOINCREMENT: offsets are never reused, even after every row was pruned.
  CREATE TABLE IF NOT EXISTS log (
    offset INTEGER PRIMARY KEY AUTOINCREMENT, events TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS consumers (name TEXT PRIMARY KEY, offset INTEGER NOT NULL);
`;

/** How often, at most, the log deletes batches every consumer has passed. */
const PRUNE_INTERVAL_MS = 1000;

/**
 * EventLog on an SQLite file in WAL mode with `synchronous = FULL`: a commit returns
 * once the WAL is fsync'd, which is what lets ingest acknowledge on return.
 * better-sqlite3 is synchronous, so one `append` is one transaction on the calling
 * thread; the group committer (ingest/) makes that one transaction per event-loop turn.
 */
export class SqliteEventLog implements EventLog {
  private readonly db: Database.Database;
  private readonly insertKey: Database.Statement<[Buffer]>;
  private readonly insertBatch: Database.Statement<[string]>;
  private readonly appendTx: (batches: readonly (readonly UsageEvent[])[]) => boolean[][];
  private lastPrune = 0;

  constructor(file: string, options: { readonly?: boolean } = {}) {
    this.db = new Database(file, { readonly: options.readonly ?? false });
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
    }
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('cache_size = -65536'); // 64 MiB: keeps the right edge of the dedup index hot
    this.insertKey = this.db.prepare('INSERT OR IGNORE INTO dedup (key) VALUES (?)');
    this.insertBatch = this.db.prepare('INSERT INTO log (events) VALUES (?)');
    this.appendTx = this.db.transaction((batches: readonly (readonly UsageEvent[])[]) =>
      batches.map((batch) => this.appendOne(batch)),
    );
  }

  private appendOne(batch: readonly UsageEvent[]): boolean[] {
    const fresh: boolean[] = new Array<boolean>(batch.length);
    const lines: string[] = [];
    for (let i = 0; i < batch.length; i++) {
      const event = batch[i]!;
      const isNew = this.insertKey.run(Buffer.from(event.dedupKey, 'hex')).changes === 1;
      fresh[i] = isNew;
      if (isNew) lines.push(JSON.stringify(event));
    }
    if (lines.length > 0) this.insertBatch.run(lines.join('\n'));
    return fresh;
  }

  async append(batches: readonly (readonly UsageEvent[])[]): Promise<boolean[][]> {
    return this.appendTx(batches);
  }

  async read(after: number, maxBatches: number): Promise<LogBatch[]> {
    const rows = this.db
      .prepare<[number, number], { offset: number; events: string }>(
        'SELECT offset, events FROM log WHERE offset > ? ORDER BY offset LIMIT ?',
      )
      .all(after, maxBatches);
    return rows.map((r) => ({ offset: r.offset, events: r.events.split('\n') }));
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
    const now = Date.now();
    if (now - this.lastPrune >= PRUNE_INTERVAL_MS) {
      this.lastPrune = now;
      this.db.prepare('DELETE FROM log WHERE offset <= (SELECT min(offset) FROM consumers)').run();
    }
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
