import Database from 'better-sqlite3';

export type EndpointState = 'unverified' | 'active' | 'paused';

export interface LiveEndpoint {
  id: string;
  tenantId: string;
  url: string;
  description: string;
  /** Event types: exact, or namespace wildcards (`usagehub.event.push.*`). Empty: all. */
  filters: string[];
  publicKey: string;
  /** The HMAC secret; shown to admins, never logged. */
  privateKey: string;
  state: EndpointState;
  verifiedAt: string | null;
  /** Why the last verification failed, if it did. */
  verifyError: string | null;
  createdAt: string;
}

export interface Delivery {
  /** The `webhook-id`: stable across retries and replays of the same event to the same endpoint. */
  id: string;
  endpointId: string;
  type: string;
  body: string;
  createdAt: number;
  nextAttemptAt: number;
  attempts: number;
  status: 'pending' | 'delivered';
}

export interface Attempt {
  deliveryId: string;
  at: number;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS endpoints (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, url TEXT NOT NULL, description TEXT NOT NULL,
    filters TEXT NOT NULL, public_key TEXT NOT NULL UNIQUE, private_key TEXT NOT NULL,
    state TEXT NOT NULL, verified_at TEXT, verify_error TEXT, created_at TEXT NOT NULL);
  -- One row per (endpoint, event): the queue and its record. Kept once delivered, for replay.
  CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,
    created_at INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, attempts INTEGER NOT NULL,
    status TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at) WHERE status = 'pending';
  CREATE TABLE IF NOT EXISTS attempts (
    delivery_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, at INTEGER NOT NULL, status INTEGER,
    latency_ms REAL NOT NULL, error TEXT);
  CREATE INDEX IF NOT EXISTS attempts_by_endpoint ON attempts (endpoint_id, at);
`;

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
  createdAt: r.created_at,
});

/**
 * The Live API's own durable state, in `live.db` beside the log: endpoints, the
 * delivery queue, and the attempt log. A delivery row is written (synced) before the
 * dispatcher moves its log offset past the event, so a crash can repeat a delivery,
 * never lose one; repeats keep their id.
 */
export class LiveStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  createEndpoint(e: LiveEndpoint): LiveEndpoint {
    this.db
      .prepare(
        `INSERT INTO endpoints (id, tenant_id, url, description, filters, public_key, private_key, state,
           verified_at, verify_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
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
      );
    return e;
  }

  updateEndpoint(e: LiveEndpoint): LiveEndpoint {
    this.db
      .prepare(
        `UPDATE endpoints SET url = ?, description = ?, filters = ?, public_key = ?, private_key = ?, state = ?,
           verified_at = ?, verify_error = ? WHERE id = ?`,
      )
      .run(
        e.url,
        e.description,
        JSON.stringify(e.filters),
        e.publicKey,
        e.privateKey,
        e.state,
        e.verifiedAt,
        e.verifyError,
        e.id,
      );
    return e;
  }

  endpoint(tenantId: string, id: string): LiveEndpoint | null {
    const row = this.db
      .prepare<[string, string], EndpointRow>('SELECT * FROM endpoints WHERE tenant_id = ? AND id = ?')
      .get(tenantId, id);
    return row ? toEndpoint(row) : null;
  }

  endpoints(tenantId?: string): LiveEndpoint[] {
    const rows =
      tenantId === undefined
        ? this.db.prepare<[], EndpointRow>('SELECT * FROM endpoints ORDER BY created_at, id').all()
        : this.db
            .prepare<[string], EndpointRow>(
              'SELECT * FROM endpoints WHERE tenant_id = ? ORDER BY created_at, id',
            )
            .all(tenantId);
    return rows.map(toEndpoint);
  }

  deleteEndpoint(tenantId: string, id: string): boolean {
    return this.db.transaction(() => {
      const gone =
        this.db.prepare('DELETE FROM endpoints WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes > 0;
      if (gone) this.db.prepare('DELETE FROM deliveries WHERE endpoint_id = ?').run(id);
      return gone;
    })();
  }

  /** Queues deliveries; one already queued (same id) is left as it is. One transaction, synced. */
  enqueue(deliveries: readonly Delivery[]): void {
    if (deliveries.length === 0) return;
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO deliveries (id, endpoint_id, type, body, created_at, next_attempt_at, attempts, status)
       VALUES (?, ?, ?, ?, ?, ?, 0, 'pending')`,
    );
    this.db.transaction(() => {
      for (const d of deliveries)
        insert.run(d.id, d.endpointId, d.type, d.body, d.createdAt, d.nextAttemptAt);
    })();
  }

  /** Pending deliveries due by `now`, oldest first. */
  due(now: number, limit: number): Delivery[] {
    return this.db
      .prepare<[number, number], Record<string, unknown>>(
        `SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?`,
      )
      .all(now, limit)
      .map((r) => ({
        id: String(r.id),
        endpointId: String(r.endpoint_id),
        type: String(r.type),
        body: String(r.body),
        createdAt: Number(r.created_at),
        nextAttemptAt: Number(r.next_attempt_at),
        attempts: Number(r.attempts),
        status: r.status as Delivery['status'],
      }));
  }

  /**
   * Records attempts, and each delivery's new standing: delivered, or due again at
   * `retryAt`. One transaction (one sync to disk) for many: the sender records in groups.
   */
  recordAttempts(records: readonly { delivery: Delivery; attempt: Attempt; retryAt: number | null }[]): void {
    if (records.length === 0) return;
    const log = this.db.prepare(
      'INSERT INTO attempts (delivery_id, endpoint_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const update = this.db.prepare(
      'UPDATE deliveries SET attempts = attempts + 1, status = ?, next_attempt_at = ? WHERE id = ?',
    );
    this.db.transaction(() => {
      for (const { delivery: d, attempt: a, retryAt } of records) {
        log.run(d.id, d.endpointId, a.at, a.status, a.latencyMs, a.error);
        update.run(retryAt === null ? 'delivered' : 'pending', retryAt ?? d.nextAttemptAt, d.id);
      }
    })();
  }

  attempts(endpointId: string, limit: number): (Attempt & { type: string })[] {
    return this.db
      .prepare<
        [string, number],
        {
          delivery_id: string;
          at: number;
          status: number | null;
          latency_ms: number;
          error: string | null;
          type: string;
        }
      >(
        `SELECT a.*, d.type FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
         WHERE a.endpoint_id = ? ORDER BY a.at DESC LIMIT ?`,
      )
      .all(endpointId, limit)
      .map((r) => ({
        deliveryId: r.delivery_id,
        at: r.at,
        status: r.status,
        latencyMs: r.latency_ms,
        error: r.error,
        type: r.type,
      }));
  }

  /** Pending deliveries, per endpoint: the backlog. */
  backlog(): Map<string, number> {
    const rows = this.db
      .prepare<[], { endpoint_id: string; n: number }>(
        "SELECT endpoint_id, count(*) AS n FROM deliveries WHERE status = 'pending' GROUP BY endpoint_id",
      )
      .all();
    return new Map(rows.map((r) => [r.endpoint_id, r.n]));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
