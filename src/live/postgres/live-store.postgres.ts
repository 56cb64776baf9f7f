import type pg from 'pg';
import { minuteStart } from '../../domain/instant.ts';
import { openMigratedPool } from '../../storage/pg-migrations.ts';
import { transaction, type PgLocation } from '../../storage/postgres.ts';
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
import { attemptMinutes, exchangeOf, statsOf, type LagHistogram } from '../live-stats.ts';

interface AttemptRow {
  id: string;
  delivery_id: string;
  at: string;
  status: number | null;
  latency_ms: number;
  error: string | null;
}
const toAttempt = (r: AttemptRow) => ({
  id: Number(r.id),
  deliveryId: r.delivery_id,
  at: Number(r.at),
  status: r.status,
  latencyMs: r.latency_ms,
  error: r.error,
});
/** An attempt that got no 2xx. */
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
  ordered: boolean;
  failing_since: string | null;
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
  ordered: r.ordered,
  failingSince: r.failing_since === null ? null : Number(r.failing_since),
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
  replays: Number(r.replays),
});

const BY_CREATION = 'ORDER BY created_at COLLATE "C", id COLLATE "C"';

/**
 * LiveStore on PostgreSQL, for the scale profile: every worker dispatches into and sends
 * from the same queue. `due` leases what it hands out (FOR UPDATE SKIP LOCKED), so two
 * workers do not send the same delivery at once; a delivery whose sender died is due
 * again when its lease ends.
 */
export class PgLiveStore implements LiveStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly leaseMs: number,
  ) {}

  static async open(where: PgLocation, options: { migrate: boolean; leaseMs: number }): Promise<PgLiveStore> {
    return new PgLiveStore(await openMigratedPool(where, 4, options), options.leaseMs);
  }

  private async rows<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(text, params)).rows;
  }

  async createEndpoint(e: LiveEndpoint): Promise<LiveEndpoint> {
    await this.pool.query(
      `INSERT INTO live_endpoints (id, tenant_id, url, description, filters, public_key, private_key, state,
         verified_at, verify_error, created_at, ordered) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
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
        e.ordered,
      ],
    );
    return e;
  }

  async updateEndpoint(e: LiveEndpoint): Promise<LiveEndpoint> {
    await this.pool.query(
      `UPDATE live_endpoints SET url = $1, description = $2, filters = $3, public_key = $4, private_key = $5,
         state = $6, verified_at = $7, verify_error = $8, ordered = $9 WHERE id = $10`,
      [
        e.url,
        e.description,
        JSON.stringify(e.filters),
        e.publicKey,
        e.privateKey,
        e.state,
        e.verifiedAt,
        e.verifyError,
        e.ordered,
        e.id,
      ],
    );
    return e;
  }

  async endpoint(tenantId: string, id: string): Promise<LiveEndpoint | null> {
    const [row] = await this.rows<EndpointRow>(
      'SELECT * FROM live_endpoints WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    return row ? toEndpoint(row) : null;
  }

  async endpoints(tenantId?: string): Promise<LiveEndpoint[]> {
    const rows =
      tenantId === undefined
        ? await this.rows<EndpointRow>(`SELECT * FROM live_endpoints ${BY_CREATION}`)
        : await this.rows<EndpointRow>(`SELECT * FROM live_endpoints WHERE tenant_id = $1 ${BY_CREATION}`, [
            tenantId,
          ]);
    return rows.map(toEndpoint);
  }

  async deleteEndpoint(tenantId: string, id: string): Promise<boolean> {
    return transaction(this.pool, async (c) => {
      const gone = (
        await c.query('DELETE FROM live_endpoints WHERE tenant_id = $1 AND id = $2', [tenantId, id])
      ).rowCount;
      if (gone) await c.query('DELETE FROM live_deliveries WHERE endpoint_id = $1', [id]);
      return (gone ?? 0) > 0;
    });
  }

  async enqueue(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    // In the order given, so that queued_seq keeps the order of queueing.
    await this.pool.query(
      `INSERT INTO live_deliveries (id, endpoint_id, type, body, created_at, next_attempt_at, attempts, status)
       SELECT id, endpoint_id, type, body, created_at, next_attempt_at, 0, 'pending'
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
            WITH ORDINALITY AS d(id, endpoint_id, type, body, created_at, next_attempt_at, n)
       ORDER BY n
       ON CONFLICT (id) DO NOTHING`,
      [
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.endpointId),
        deliveries.map((d) => d.type),
        deliveries.map((d) => d.body),
        deliveries.map((d) => d.createdAt),
        deliveries.map((d) => d.nextAttemptAt),
      ],
    );
  }

  async due(now: number, limit: number): Promise<Delivery[]> {
    const rows = await this.rows(
      `UPDATE live_deliveries d SET next_attempt_at = $2
       FROM (SELECT id FROM live_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
             ORDER BY next_attempt_at, created_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
       WHERE d.id = due.id
       RETURNING d.*`,
      [now, now + this.leaseMs, limit],
    );
    return rows.map(toDelivery).sort((a, b) => a.createdAt - b.createdAt);
  }

  async recordAttempts(records: readonly AttemptRecord[]): Promise<void> {
    if (records.length === 0) return;
    // An endpoint is failing from its first failure after a success until its next
    // success: per endpoint, whether this group holds a success, and the first failure
    // after the last one.
    const standing = new Map<string, { succeeded: boolean; failingSince: number | null }>();
    for (const { delivery: d, attempt: a, retryAt } of records) {
      const s = standing.get(d.endpointId) ?? { succeeded: false, failingSince: null };
      if (retryAt === null) standing.set(d.endpointId, { succeeded: true, failingSince: null });
      else standing.set(d.endpointId, { ...s, failingSince: s.failingSince ?? a.at });
    }
    await transaction(this.pool, async (c) => {
      await c.query(
        `INSERT INTO live_attempts (delivery_id, endpoint_id, at, status, latency_ms, error, exchange)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::integer[], $5::float8[], $6::text[], $7::text[])`,
        [
          records.map((r) => r.attempt.deliveryId),
          records.map((r) => r.delivery.endpointId),
          records.map((r) => r.attempt.at),
          records.map((r) => r.attempt.status),
          records.map((r) => r.attempt.latencyMs),
          records.map((r) => r.attempt.error),
          records.map((r) => (r.attempt.exchange ? JSON.stringify(r.attempt.exchange) : null)),
        ],
      );
      // A delivery replayed since it was handed out keeps its new round.
      await c.query(
        `UPDATE live_deliveries d SET attempts = d.attempts + 1, status = u.status, next_attempt_at = u.next
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::integer[]) AS u(id, status, next, replays)
         WHERE d.id = u.id AND d.replays = u.replays`,
        [
          records.map((r) => r.delivery.id),
          records.map((r) => (r.retryAt === null ? 'delivered' : 'pending')),
          records.map((r) => r.retryAt ?? r.delivery.nextAttemptAt),
          records.map((r) => r.delivery.replays),
        ],
      );
      // Histograms merge key by key: several workers may add to the same minute at once.
      const minutes = attemptMinutes(records);
      await c.query(
        `INSERT INTO live_attempt_minutes AS m (endpoint_id, minute, ok, failed, lags)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::jsonb[])
         ON CONFLICT (endpoint_id, minute) DO UPDATE SET ok = m.ok + excluded.ok, failed = m.failed + excluded.failed,
           lags = (SELECT coalesce(jsonb_object_agg(k, coalesce((m.lags->>k)::bigint, 0) + coalesce((excluded.lags->>k)::bigint, 0)), '{}')
                   FROM jsonb_object_keys(m.lags || excluded.lags) AS k)`,
        [
          minutes.map((m) => m.endpointId),
          minutes.map((m) => m.minute),
          minutes.map((m) => m.ok),
          minutes.map((m) => m.failed),
          minutes.map((m) => JSON.stringify(m.lags)),
        ],
      );
      const lastFailure = new Map<string, { at: number; error: string }>();
      for (const { delivery: d, attempt: a, retryAt } of records)
        if (retryAt !== null)
          lastFailure.set(d.endpointId, { at: a.at, error: a.error ?? `answered ${a.status}` });
      for (const [endpointId, f] of lastFailure)
        await c.query(
          'UPDATE live_endpoints SET last_error_at = $2, last_error = $3 WHERE id = $1 AND (last_error_at IS NULL OR last_error_at <= $2)',
          [endpointId, f.at, f.error],
        );
      for (const [endpointId, s] of standing)
        await c.query(
          s.succeeded
            ? 'UPDATE live_endpoints SET failing_since = $2 WHERE id = $1'
            : 'UPDATE live_endpoints SET failing_since = coalesce(failing_since, $2) WHERE id = $1',
          [endpointId, s.failingSince],
        );
    });
  }

  async oldestPending(endpointId: string): Promise<Delivery | null> {
    const [row] = await this.rows(
      `SELECT * FROM live_deliveries WHERE endpoint_id = $1 AND status = 'pending' ORDER BY queued_seq LIMIT 1`,
      [endpointId],
    );
    return row ? toDelivery(row) : null;
  }

  async replay(endpointId: string, by: ReplaySelection, now: number): Promise<number> {
    const set = `UPDATE live_deliveries SET status = 'pending', next_attempt_at = $1, replays = replays + 1`;
    const res =
      'ids' in by
        ? await this.pool.query(`${set} WHERE endpoint_id = $2 AND id = ANY($3)`, [
            now,
            endpointId,
            [...by.ids],
          ])
        : 'failed' in by
          ? await this.pool.query(`${set} WHERE endpoint_id = $2 AND status = 'pending' AND attempts > 0`, [
              now,
              endpointId,
            ])
          : await this.pool.query(`${set} WHERE endpoint_id = $2 AND created_at >= $3 AND created_at < $4`, [
              now,
              endpointId,
              by.from ?? 0,
              by.to ?? Number.MAX_SAFE_INTEGER,
            ]);
    return res.rowCount ?? 0;
  }

  async attempts(endpointId: string, page: AttemptPage): Promise<ListedAttempt[]> {
    const rows = await this.rows<AttemptRow & { type: string }>(
      `SELECT a.id, a.delivery_id, a.at, a.status, a.latency_ms, a.error, d.type
       FROM live_attempts a JOIN live_deliveries d ON d.id = a.delivery_id
       WHERE a.endpoint_id = $1 AND a.id < $2 ${page.failed ? `AND ${FAILED}` : ''}
       ORDER BY a.id DESC LIMIT $3`,
      [endpointId, page.before ?? Number.MAX_SAFE_INTEGER, page.limit],
    );
    return rows.map((r) => ({ ...toAttempt(r), type: r.type }));
  }

  async delivery(endpointId: string, id: string): Promise<DeliveryDetail | null> {
    const [d] = await this.rows('SELECT * FROM live_deliveries WHERE endpoint_id = $1 AND id = $2', [
      endpointId,
      id,
    ]);
    if (!d) return null;
    const attempts = await this.rows<AttemptRow & { exchange: string | null }>(
      'SELECT * FROM live_attempts WHERE delivery_id = $1 ORDER BY id',
      [id],
    );
    return {
      delivery: toDelivery(d),
      attempts: attempts.map((r) => ({ ...toAttempt(r), exchange: exchangeOf(r.exchange) })),
    };
  }

  async stats(endpointId: string, w: StatsWindow): Promise<EndpointStats> {
    const minutes = await this.rows<{ minute: string; ok: string; failed: string; lags: LagHistogram }>(
      `SELECT minute, ok, failed, lags FROM live_attempt_minutes
       WHERE endpoint_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute`,
      [endpointId, minuteStart(w.from), w.to],
    );
    const [last] = await this.rows<{ at: string | null; error: string | null }>(
      'SELECT last_error_at AS at, last_error AS error FROM live_endpoints WHERE id = $1',
      [endpointId],
    );
    return statsOf(
      minutes.map((m) => ({
        minute: Number(m.minute),
        ok: Number(m.ok),
        failed: Number(m.failed),
        lags: m.lags,
      })),
      w,
      last?.at != null ? { at: Number(last.at), error: last.error ?? '' } : null,
    );
  }

  async backlog(): Promise<Map<string, number>> {
    const rows = await this.rows<{ endpoint_id: string; n: number }>(
      `SELECT endpoint_id, count(*)::float8 AS n FROM live_deliveries WHERE status = 'pending' GROUP BY endpoint_id`,
    );
    return new Map(rows.map((r) => [r.endpoint_id, r.n]));
  }

  async pendingCount(endpointId: string): Promise<number> {
    // Counted from the partial index of pending deliveries by endpoint.
    const [row] = await this.rows<{ n: number }>(
      `SELECT count(*)::float8 AS n FROM live_deliveries WHERE endpoint_id = $1 AND status = 'pending'`,
      [endpointId],
    );
    return row!.n;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
