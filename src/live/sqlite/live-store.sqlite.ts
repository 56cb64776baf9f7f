import type Database from 'better-sqlite3';
import { minuteStart } from '../../domain/instant.ts';
import { openSqlite, type AddedColumn } from '../../storage/sqlite.ts';
import type {
  AttemptPage,
  DeliveryDetail,
  AttemptRecord,
  Delivery,
  EndpointState,
  EndpointStats,
  ListedAttempt,
  LiveEndpoint,
  LiveStore,
  ReplaySelection,
  StatsWindow,
} from '../live-store.port.ts';
import { attemptMinutes, exchangeOf, mergeLags, statsOf, type LagHistogram } from '../live-stats.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS endpoints (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, url TEXT NOT NULL, description TEXT NOT NULL,
    filters TEXT NOT NULL, public_key TEXT NOT NULL UNIQUE, private_key TEXT NOT NULL,
    state TEXT NOT NULL, verified_at TEXT, verify_error TEXT, created_at TEXT NOT NULL,
    ordered INTEGER NOT NULL DEFAULT 0, failing_since INTEGER);
  -- One row per (endpoint, event): the queue and its record. Kept once delivered, for replay.
  CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,
    created_at INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, attempts INTEGER NOT NULL,
    status TEXT NOT NULL, replays INTEGER NOT NULL DEFAULT 0);
  CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at) WHERE status = 'pending';
  CREATE TABLE IF NOT EXISTS attempts (
    delivery_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, at INTEGER NOT NULL, status INTEGER,
    latency_ms REAL NOT NULL, error TEXT);
  CREATE INDEX IF NOT EXISTS attempts_by_delivery ON attempts (delivery_id);
  -- The delivery log's pages, newest first (each index ends with the rowid): all, and failed.
  -- They replace attempts_by_endpoint (endpoint_id, at), which nothing reads any more.
  DROP INDEX IF EXISTS attempts_by_endpoint;
  CREATE INDEX IF NOT EXISTS attempts_page ON attempts (endpoint_id);
  CREATE INDEX IF NOT EXISTS attempts_failed ON attempts (endpoint_id)
    WHERE status IS NULL OR status < 200 OR status > 299;
  -- Per endpoint and minute: attempts that succeeded and failed, and the successes' lag
  -- histogram (live-stats.ts); stats over any range read these, not every attempt.
  CREATE TABLE IF NOT EXISTS attempt_minutes (
    endpoint_id TEXT NOT NULL, minute INTEGER NOT NULL, ok INTEGER NOT NULL, failed INTEGER NOT NULL,
    lags TEXT NOT NULL, PRIMARY KEY (endpoint_id, minute));
`;

/** Columns added after live.db first shipped, added to older files on open. */
const ADDED_COLUMNS: AddedColumn[] = [
  ['endpoints', 'ordered', 'ALTER TABLE endpoints ADD COLUMN ordered INTEGER NOT NULL DEFAULT 0'],
  ['endpoints', 'failing_since', 'ALTER TABLE endpoints ADD COLUMN failing_since INTEGER'],
  ['deliveries', 'replays', 'ALTER TABLE deliveries ADD COLUMN replays INTEGER NOT NULL DEFAULT 0'],
  // JSON: what the attempt sent and got back (live-store.port.ts Exchange).
  ['attempts', 'exchange', 'ALTER TABLE attempts ADD COLUMN exchange TEXT'],
  ['endpoints', 'last_error', 'ALTER TABLE endpoints ADD COLUMN last_error TEXT'],
  ['endpoints', 'last_error_at', 'ALTER TABLE endpoints ADD COLUMN last_error_at INTEGER'],
];

interface AttemptRow {
  id: number;
  delivery_id: string;
  at: number;
  status: number | null;
  latency_ms: number;
  error: string | null;
}
const toAttempt = (r: AttemptRow) => ({
  id: r.id,
  deliveryId: r.delivery_id,
  at: r.at,
  status: r.status,
  latencyMs: r.latency_ms,
  error: r.error,
});
/** An attempt (a) that got no 2xx: the attempts_failed index's condition. */
const FAILED = '(a.status IS NULL OR a.status < 200 OR a.status > 299)';

interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  description: string;
  filters: string;
  public_key: string;
  private_key: string;
  state: EndpointState;
  verified_at: string | null;
  verify_error: string | null;
  created_at: string;
  ordered: number;
  failing_since: number | null;
}
const toEndpoint = (r: EndpointRow): LiveEndpoint => ({
  id: r.id,
  tenantId: r.tenant_id,
  url: r.url,
  description: r.description,
  filters: JSON.parse(r.filters) as string[],
  publicKey: r.public_key,
  privateKey: r.private_key,
  state: r.state,
  verifiedAt: r.verified_at,
  verifyError: r.verify_error,
  ordered: r.ordered === 1,
  failingSince: r.failing_since,
  createdAt: r.created_at,
});

const toDelivery = (r: Record<string, unknown>): Delivery => ({
  id: String(r.id),
  endpointId: String(r.endpoint_id),
  type: String(r.type),
  body: String(r.body),
  createdAt: Number(r.created_at),
  nextAttemptAt: Number(r.next_attempt_at),
  attempts: Number(r.attempts),
  status: r.status as Delivery['status'],
  replays: Number(r.replays ?? 0),
});

/**
 * LiveStore in `live.db` beside the log (embedded profile). One process sends, so `due`
 * needs no lease: the sender remembers what it holds.
 */
export class SqliteLiveStore implements LiveStore {
  private readonly db: Database.Database;

  /** Statements by their text, prepared once: the sender records attempts many times a second. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.db = openSqlite(file, SCHEMA, { addedColumns: ADDED_COLUMNS });
  }

  private prepared<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement as unknown as Database.Statement<P, R>;
  }

  async createEndpoint(e: LiveEndpoint): Promise<LiveEndpoint> {
    this.prepared(
      `INSERT INTO endpoints (id, tenant_id, url, description, filters, public_key, private_key, state,
           verified_at, verify_error, created_at, ordered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      e.id,
      e.tenantId,
      e.url,
      e.description,
      JSON.stringify(e.filters),
      e.publicKey,
      e.privateKey,
      e.state,
      e.verifiedAt,
      e.verifyError,
      e.createdAt,
      e.ordered ? 1 : 0,
    );
    return e;
  }

  async updateEndpoint(e: LiveEndpoint): Promise<LiveEndpoint> {
    this.prepared(
      `UPDATE endpoints SET url = ?, description = ?, filters = ?, public_key = ?, private_key = ?, state = ?,
           verified_at = ?, verify_error = ?, ordered = ? WHERE id = ?`,
    ).run(
      e.url,
      e.description,
      JSON.stringify(e.filters),
      e.publicKey,
      e.privateKey,
      e.state,
      e.verifiedAt,
      e.verifyError,
      e.ordered ? 1 : 0,
      e.id,
    );
    return e;
  }

  async endpoint(tenantId: string, id: string): Promise<LiveEndpoint | null> {
    const row = this.prepared<[string, string], EndpointRow>(
      'SELECT * FROM endpoints WHERE tenant_id = ? AND id = ?',
    ).get(tenantId, id);
    return row ? toEndpoint(row) : null;
  }

  async endpoints(tenantId?: string): Promise<LiveEndpoint[]> {
    const rows =
      tenantId === undefined
        ? this.prepared<[], EndpointRow>('SELECT * FROM endpoints ORDER BY created_at, id').all()
        : this.prepared<[string], EndpointRow>(
            'SELECT * FROM endpoints WHERE tenant_id = ? ORDER BY created_at, id',
          ).all(tenantId);
    return rows.map(toEndpoint);
  }

  async deleteEndpoint(tenantId: string, id: string): Promise<boolean> {
    return this.db.transaction(() => {
      const gone =
        this.prepared('DELETE FROM endpoints WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes > 0;
      if (gone) this.prepared('DELETE FROM deliveries WHERE endpoint_id = ?').run(id);
      return gone;
    })();
  }

  /** Queues deliveries; one already queued (same id) is left as it is. One transaction, synced. */
  async enqueue(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const insert = this.prepared(
      `INSERT OR IGNORE INTO deliveries (id, endpoint_id, type, body, created_at, next_attempt_at, attempts, status)
       VALUES (?, ?, ?, ?, ?, ?, 0, 'pending')`,
    );
    this.db.transaction(() => {
      for (const d of deliveries)
        insert.run(d.id, d.endpointId, d.type, d.body, d.createdAt, d.nextAttemptAt);
    })();
  }

  /** Pending deliveries due by `now`, oldest first. */
  async due(now: number, limit: number): Promise<Delivery[]> {
    return this.prepared<[number, number], Record<string, unknown>>(
      `SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?`,
    )
      .all(now, limit)
      .map(toDelivery);
  }

  /**
   * Records attempts, and each delivery's new standing: delivered, or due again at
   * `retryAt`. One transaction (one sync to disk) for many: the sender records in groups.
   */
  async recordAttempts(records: readonly AttemptRecord[]): Promise<void> {
    if (records.length === 0) return;
    const log = this.prepared(
      'INSERT INTO attempts (delivery_id, endpoint_id, at, status, latency_ms, error, exchange) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const update = this.prepared(
      'UPDATE deliveries SET attempts = attempts + 1, status = ?, next_attempt_at = ? WHERE id = ? AND replays = ?',
    );
    // An endpoint is failing from its first failure after a success until its next success.
    const failed = this.prepared(
      'UPDATE endpoints SET failing_since = coalesce(failing_since, ?), last_error_at = ?, last_error = ? WHERE id = ?',
    );
    const minuteOf = this.prepared<[string, number], { ok: number; failed: number; lags: string }>(
      'SELECT ok, failed, lags FROM attempt_minutes WHERE endpoint_id = ? AND minute = ?',
    );
    const putMinute = this.prepared(
      'INSERT OR REPLACE INTO attempt_minutes (endpoint_id, minute, ok, failed, lags) VALUES (?, ?, ?, ?, ?)',
    );
    const succeeded = this.prepared('UPDATE endpoints SET failing_since = NULL WHERE id = ?');
    this.db.transaction(() => {
      for (const { delivery: d, attempt: a, retryAt } of records) {
        log.run(
          d.id,
          d.endpointId,
          a.at,
          a.status,
          a.latencyMs,
          a.error,
          a.exchange ? JSON.stringify(a.exchange) : null,
        );
        update.run(retryAt === null ? 'delivered' : 'pending', retryAt ?? d.nextAttemptAt, d.id, d.replays);
        if (retryAt === null) succeeded.run(d.endpointId);
        else failed.run(a.at, a.at, a.error ?? `answered ${a.status}`, d.endpointId);
      }
      for (const m of attemptMinutes(records)) {
        const was = minuteOf.get(m.endpointId, m.minute);
        const lags = was ? mergeLags(JSON.parse(was.lags) as LagHistogram, m.lags) : m.lags;
        putMinute.run(
          m.endpointId,
          m.minute,
          m.ok + (was?.ok ?? 0),
          m.failed + (was?.failed ?? 0),
          JSON.stringify(lags),
        );
      }
    })();
  }

  /** The oldest pending delivery of an endpoint, in the order deliveries were queued. */
  async oldestPending(endpointId: string): Promise<Delivery | null> {
    const r = this.prepared<[string], Record<string, unknown>>(
      "SELECT * FROM deliveries WHERE endpoint_id = ? AND status = 'pending' ORDER BY rowid LIMIT 1",
    ).get(endpointId);
    return r ? toDelivery(r) : null;
  }

  async replay(endpointId: string, by: ReplaySelection, now: number): Promise<number> {
    const set = "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, replays = replays + 1";
    if ('ids' in by) {
      const stmt = this.prepared(`${set} WHERE endpoint_id = ? AND id = ?`);
      return this.db.transaction(() =>
        by.ids.reduce((n, id) => n + stmt.run(now, endpointId, id).changes, 0),
      )();
    }
    if ('failed' in by)
      return this.prepared(`${set} WHERE endpoint_id = ? AND status = 'pending' AND attempts > 0`).run(
        now,
        endpointId,
      ).changes;
    return this.prepared(`${set} WHERE endpoint_id = ? AND created_at >= ? AND created_at < ?`).run(
      now,
      endpointId,
      by.from ?? 0,
      by.to ?? Number.MAX_SAFE_INTEGER,
    ).changes;
  }

  async attempts(endpointId: string, page: AttemptPage): Promise<ListedAttempt[]> {
    return this.prepared<[string, number, number], AttemptRow & { type: string }>(
      `SELECT a.rowid AS id, a.delivery_id, a.at, a.status, a.latency_ms, a.error, d.type
         FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
         WHERE a.endpoint_id = ? AND a.rowid < ? ${page.failed ? `AND ${FAILED}` : ''}
         ORDER BY a.rowid DESC LIMIT ?`,
    )
      .all(endpointId, page.before ?? Number.MAX_SAFE_INTEGER, page.limit)
      .map((r) => ({ ...toAttempt(r), type: r.type }));
  }

  async delivery(endpointId: string, id: string): Promise<DeliveryDetail | null> {
    const d = this.prepared<[string, string], Record<string, unknown>>(
      'SELECT * FROM deliveries WHERE endpoint_id = ? AND id = ?',
    ).get(endpointId, id);
    if (!d) return null;
    const attempts = this.prepared<[string], AttemptRow & { exchange: string | null }>(
      'SELECT rowid AS id, * FROM attempts a WHERE delivery_id = ? ORDER BY rowid',
    )
      .all(id)
      .map((r) => ({ ...toAttempt(r), exchange: exchangeOf(r.exchange) }));
    return { delivery: toDelivery(d), attempts };
  }

  async stats(endpointId: string, w: StatsWindow): Promise<EndpointStats> {
    const minutes = this.prepared<
      [string, number, number],
      { minute: number; ok: number; failed: number; lags: string }
    >(
      'SELECT minute, ok, failed, lags FROM attempt_minutes WHERE endpoint_id = ? AND minute >= ? AND minute < ? ORDER BY minute',
    )
      .all(endpointId, minuteStart(w.from), w.to)
      .map((r) => ({ ...r, lags: JSON.parse(r.lags) as LagHistogram }));
    const last = this.prepared<[string], { at: number | null; error: string | null }>(
      'SELECT last_error_at AS at, last_error AS error FROM endpoints WHERE id = ?',
    ).get(endpointId);
    const lastError = last?.at != null ? { at: last.at, error: last.error ?? '' } : null;
    return statsOf(minutes, w, lastError);
  }

  /** Pending deliveries, per endpoint: the backlog. */
  async backlog(): Promise<Map<string, number>> {
    const rows = this.prepared<[], { endpoint_id: string; n: number }>(
      "SELECT endpoint_id, count(*) AS n FROM deliveries WHERE status = 'pending' GROUP BY endpoint_id",
    ).all();
    return new Map(rows.map((r) => [r.endpoint_id, r.n]));
  }

  async pendingCount(endpointId: string): Promise<number> {
    return this.prepared<[string], { n: number }>(
      "SELECT count(*) AS n FROM deliveries WHERE endpoint_id = ? AND status = 'pending'",
    ).get(endpointId)!.n;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
