import type pg from 'pg';
import { LATE_AFTER_MS } from '../../domain/event.ts';
import type {
  CountRow,
  CountsQuery,
  ExportQuery,
  LocatedPage,
  QueryFilter,
  TopCompaniesQuery,
  TopCompanyRow,
  TopUserRow,
  TopUsersQuery,
  UsageQuery,
  UsageRow,
  UsersQuery,
  UsersRow,
  PersonLink,
  PersonTraits,
} from '../queries.ts';
import { latestPerKey } from '../queries.ts';
import type { PgLocation } from '../../storage/postgres.ts';
import type { EventStore, Row, SelectOptions, StoreBatch } from '../event-store.port.ts';
import type { Projection } from '../projection.ts';
import { ISO, byteOrder as C, epochMs, msLiteral, pgFilter } from './sql.postgres.ts';
import { refOf, seqOf, withSeqs } from '../seq.ts';
import {
  reasonOf,
  tenantOfDoc,
  type QuarantineQuery,
  type QuarantinedEvent,
  type ReapplyOutcome,
} from '../quarantine.ts';
import { transaction } from '../../storage/postgres.ts';
import { UsageHubError } from '../../domain/errors.ts';
import {
  GROUP_COLUMN,
  Sql,
  USAGE_COLUMN,
  locateSql,
  locatedPage,
  fitsDailyUserRollup,
  wholeHours,
} from '../sql-builder.ts';
import { openMigratedPool, type ModuleMigrations } from '../../storage/pg-migrations.ts';
import { MonthlyPartitions } from './partitions.ts';

/** Who a row's user is: their person when their key is linked to one, else the key. */
const PERSON = 'coalesce(p.person_id, x.user_key)';
/** What a user query counts by: persons when the tenant has linked keys (linkPersons), else keys (no join). */
const counting = (linked: boolean) =>
  linked
    ? { who: PERSON, join: 'LEFT JOIN user_persons p USING (tenant_id, user_key)' }
    : { who: 'x.user_key', join: '' };

/**
 * Top users over `rows` (tenant_id, user_key, e): summed per person, each shown by the
 * key of theirs with the most events.
 */
const byPerson = (rows: string, limit: number, linked: boolean) => {
  const { who, join } = counting(linked);
  return `
  SELECT u, e FROM (
    SELECT (array_agg(user_key ORDER BY e DESC, ${C('user_key')}))[1] AS u, sum(e)::float8 AS e FROM (
      SELECT x.user_key, ${who} AS person, sum(x.e) AS e FROM (${rows}) x ${join}
      GROUP BY 1, 2 HAVING sum(x.e) > 0) y
    GROUP BY person) z
  ORDER BY e DESC, ${C('u')} LIMIT ${Math.trunc(limit)}`;
};

/**
 * Stores NDJSON text ($1, each document with its seq first) in one statement:
 * PostgreSQL splits and parses it in C, inserts the events its dedup index does not
 * know yet, and counts exactly those rows into the projections (projection.ts) and the rollups. So a
 * batch applied twice — a worker that crashed before acknowledging it, or a batch
 * JetStream holds twice — changes nothing the second time.
 *
 * Rollup rows are upserted in key order, so that writers updating the same rows
 * concurrently take their locks in the same order and do not deadlock.
 */
const applyStatement = (projections: readonly Projection[]): string => `
  WITH doc AS MATERIALIZED (
    -- Materialized: otherwise the planner inlines d::jsonb into every use of j below,
    -- parsing each document once per extracted field (57 us per event instead of ~3).
    SELECT d::jsonb AS j FROM unnest(string_to_array($1, E'\\n')) AS d),
  parsed AS (
    SELECT (j->>'seq')::bigint AS seq, decode(j->>'dedupKey', 'hex') AS dedup_key,
           j->>'tenantId' AS tenant_id, j->>'appId' AS app_id, j->>'source' AS source,
           j->>'name' AS name, j->>'category' AS category,
           to_timestamp((j->>'occurredAt')::bigint / 1000.0) AS occurred_at,
           coalesce(j->'actor'->>'userId', j->'actor'->>'email', j->'actor'->>'deviceId') AS user_key,
           j->'session'->>'id' AS session_id, (j->>'count')::bigint AS count, j->>'clientId' AS client_id,
           j->'context'->>'targetApp' AS target_app,
           (j->>'receivedAt')::bigint - (j->>'occurredAt')::bigint > ${LATE_AFTER_MS} AS late,
           j->'context'->>'company' AS company, j->'context'->>'domain' AS domain,
           j->'context'->>'environment' AS environment, j->'session'->>'action' AS session_action,
           j->'context'->>'companyResolvedBy' AS resolved_by,
           j->'properties' AS props
    FROM doc),
  ins AS (
    INSERT INTO events (seq, dedup_key, tenant_id, app_id, source, name, category, occurred_at, user_key,
                        session_id, count, client_id, target_app, late, company, domain, environment,
                        session_action, resolved_by, properties)
    SELECT seq, dedup_key, tenant_id, app_id, source, name, category, occurred_at, user_key,
           session_id, count, client_id, target_app, late, company, domain, environment,
           session_action, resolved_by, props
    FROM parsed ORDER BY dedup_key
    ON CONFLICT DO NOTHING
    RETURNING seq, tenant_id, app_id, occurred_at, name, category, late, target_app, company, domain,
              environment, user_key, count),
${projections.map((p, i) => `  projection_${i} AS (${p.postgres.insert}),\n`).join('')}  hourly AS (
    INSERT INTO rollup_hourly
    SELECT tenant_id, app_id, date_trunc('hour', occurred_at), name, category, late, target_app,
           company, domain, environment, sum(count)
    FROM ins GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ORDER BY 1, 3, 2, 4, 5, 6, 7, 8, 9, 10
    ON CONFLICT (tenant_id, occurred_at, app_id, name, category, late, target_app, company, domain, environment)
    DO UPDATE SET events = rollup_hourly.events + excluded.events),
  monthly AS (
    INSERT INTO monthly_users
    SELECT tenant_id, app_id, date_trunc('month', occurred_at)::date, user_key, sum(count)
    FROM ins WHERE user_key IS NOT NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 3, 2, 4
    ON CONFLICT (tenant_id, month, app_id, user_key) DO UPDATE SET events = monthly_users.events + excluded.events),
  daily AS (
    INSERT INTO daily_users
    SELECT tenant_id, app_id, date_trunc('day', occurred_at)::date, user_key, sum(count)
    FROM ins WHERE user_key IS NOT NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 3, 2, 4
    ON CONFLICT (tenant_id, day, app_id, user_key) DO UPDATE SET events = daily_users.events + excluded.events
    -- xmax = 0: the row was inserted, not updated: a user new to the app that day.
    RETURNING tenant_id, app_id, day, user_key, xmax = 0 AS inserted),
  active AS (
    INSERT INTO daily_active
    SELECT DISTINCT tenant_id, day, user_key FROM daily WHERE inserted ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING
    RETURNING tenant_id, day),
  app_counts AS (
    INSERT INTO daily_user_counts
    SELECT tenant_id, app_id, day, count(*) FROM daily WHERE inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (tenant_id, app_id, day) DO UPDATE SET users = daily_user_counts.users + excluded.users)
  INSERT INTO daily_user_counts
  SELECT tenant_id, '', day, count(*) FROM active GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (tenant_id, app_id, day) DO UPDATE SET users = daily_user_counts.users + excluded.users`;

/**
 * Errors that say PostgreSQL cannot be reached or is going away, not that the query is
 * wrong: socket errors, connection exceptions (class 08), operator intervention (57P),
 * and too many connections (53300).
 */
function unreachable(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return (
    /^(08|57P)/.test(code) ||
    code === '53300' ||
    /^E(CONNREFUSED|CONNRESET|PIPE|HOSTUNREACH|TIMEDOUT)$/.test(code)
  );
}

/** What PostgreSQL says of a statement its statement_timeout stopped. */
const QUERY_CANCELED = '57014';

/** PostgreSQL errors after which the same apply, retried, succeeds. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected

const filterSql = (f: QueryFilter) => pgFilter(f);

const DAY_MS = 86400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const monthStart = (ms: number) => Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth(), 1);
const nextMonth = (ms: number) => Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth() + 1, 1);

type MonthPiece =
  | { kind: 'months'; from: string | null; to: string | null }
  /** Part of one month: [from, to) inside [month, next). */
  | { kind: 'cut'; month: string; next: string; from: string; to: string; inside: number; outside: number };

/** Splits whole-day bounds into runs of whole months and the months they cut. */
function monthPieces(from: number | undefined, to: number | undefined): MonthPiece[] {
  const cut = (a: number, b: number): MonthPiece => {
    const m = monthStart(a);
    const n = nextMonth(a);
    const inside = (b - a) / DAY_MS;
    return {
      kind: 'cut',
      month: isoDay(m),
      next: isoDay(n),
      from: isoDay(a),
      to: isoDay(b),
      inside,
      outside: (n - m) / DAY_MS - inside,
    };
  };
  if (from !== undefined && to !== undefined && to <= from) return [];
  if (
    from !== undefined &&
    to !== undefined &&
    monthStart(from) === monthStart(to - 1) &&
    (from !== monthStart(from) || to !== nextMonth(from))
  )
    return [cut(from, to)];
  const pieces: MonthPiece[] = [];
  let wholeFrom: number | undefined = from;
  if (from !== undefined && from !== monthStart(from)) {
    pieces.push(cut(from, nextMonth(from)));
    wholeFrom = nextMonth(from);
  }
  let wholeTo: number | undefined = to;
  if (to !== undefined && to !== monthStart(to)) wholeTo = monthStart(to);
  if (wholeFrom === undefined || wholeTo === undefined || wholeFrom < wholeTo)
    pieces.push({
      kind: 'months',
      from: wholeFrom === undefined ? null : isoDay(wholeFrom),
      to: wholeTo === undefined ? null : isoDay(wholeTo),
    });
  if (to !== undefined && to !== monthStart(to)) pieces.push(cut(monthStart(to), to));
  return pieces;
}

export interface PgStoreOptions {
  /** Connections in the pool: store writes in parallel and queries share them. */
  connections: number;
  /** Apply missing schema migrations at open instead of refusing to start. */
  migrate: boolean;
  /** What the modules keep beside the events: filled by the same statement that stores them. */
  projections: readonly Projection[];
  /** The modules' own migrations, which create the projections' tables: applied or checked at open. */
  modules: readonly ModuleMigrations[];
}

/**
 * EventStore on PostgreSQL, for the scale profile. Idempotent by the events' dedup
 * keys rather than by offsets, so that several store writers (one per worker process)
 * may apply batches at once and in any order. Queries that rollups can answer read the
 * rollups; the rest scan the month partitions the time range touches.
 */
export class PgEventStore implements EventStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: MonthlyPartitions,
    /** The apply statement, with the projections' inserts in it. */
    private readonly applySql: string,
  ) {}

  readonly engine = 'postgres' as const;

  static async open(where: PgLocation, options: PgStoreOptions): Promise<PgEventStore> {
    const pool = await openMigratedPool(where, options.connections, {
      migrate: options.migrate,
      modules: options.modules,
    });
    try {
      return new PgEventStore(
        pool,
        await MonthlyPartitions.load(pool, 'events'),
        applyStatement(options.projections),
      );
    } catch (err) {
      await pool.end();
      throw err;
    }
  }

  async appliedOffset(): Promise<number> {
    const r = await this.pool.query<{ o: string }>('SELECT log_offset AS o FROM applied WHERE id = 1');
    return r.rows.length ? Number(r.rows[0]!.o) : 0;
  }

  async apply(batches: readonly StoreBatch[]): Promise<void> {
    if (batches.length === 0) return;
    for (const b of batches) {
      for (const h of b.holes ?? [])
        await this.setAside(seqOf({ offset: b.offset, index: h.index }), h.reason, b);
    }
    const ndjson = batches.map(withSeqs).filter(Boolean).join('\n');
    await this.partitions.ensure(ndjson);
    for (let attempt = 1; ndjson !== ''; attempt++) {
      try {
        await this.pool.query(this.applySql, [ndjson]);
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (!code || !RETRYABLE.has(code) || attempt >= 5) throw err;
      }
    }
    // After the events' commit, in its own short statement: one row that every writer
    // updates would otherwise serialise their transactions.
    const highest = Math.max(...batches.map((b) => b.offset));
    await this.pool.query(
      `INSERT INTO applied VALUES (1, $1) ON CONFLICT (id) DO UPDATE
       SET log_offset = greatest(applied.log_offset, excluded.log_offset)`,
      [highest],
    );
  }

  async counts(q: CountsQuery): Promise<CountRow[]> {
    const sql = filterSql(q);
    // The hourly rollup has every column but the user and the dialect; whole-hour bounds match its buckets.
    const rollup = q.groupBy !== 'user' && q.groupBy !== 'source' && q.interval !== 'minute' && wholeHours(q);
    const table = rollup ? 'rollup_hourly' : 'events';
    const measure = table === 'events' ? 'count' : 'events';
    const key = q.groupBy ? GROUP_COLUMN[q.groupBy] : 'NULL::text';
    const rows = await this.rows<{ bucket: string; k: string | null; e: number }>(
      `SELECT ${ISO('b')} AS bucket, k, e FROM (
         SELECT date_trunc('${q.interval}', occurred_at) AS b, ${key} AS k, sum(${measure})::float8 AS e
         FROM ${table} ${sql.whereSql} GROUP BY 1, 2) x
       ORDER BY b, e DESC, ${C('k')} NULLS LAST`,
      sql.params,
    );
    return rows.map((r) => ({ bucket: r.bucket, key: r.k, events: r.e }));
  }

  async distinctUsers(q: UsersQuery): Promise<UsersRow[]> {
    // The per-day counts were kept per key: right only while no keys of the tenant are one person.
    const linked = await this.hasPersons(q.tenantId);
    if (!linked && q.interval === 'day' && fitsDailyUserRollup(q) && (q.appIds?.length ?? 0) <= 1) {
      // Kept per app, and over all apps under app_id '': 30 rows for 30 days.
      const sql = this.dailyUsersFilter({ ...q, appIds: undefined });
      sql.where(`app_id = ${sql.param(q.appIds?.[0] ?? '')}`);
      const rows = await this.rows<{ bucket: string; u: number }>(
        `SELECT ${ISO('day::timestamptz')} AS bucket, users::float8 AS u
         FROM daily_user_counts ${sql.whereSql} ORDER BY day`,
        sql.params,
      );
      return rows.map((r) => ({ bucket: r.bucket, users: r.u }));
    }
    const { who, join } = counting(linked);
    if (q.interval === 'day' && fitsDailyUserRollup(q)) {
      const sql = this.dailyUsersFilter(q);
      const rows = await this.rows<{ bucket: string; u: number }>(
        `SELECT ${ISO('day::timestamptz')} AS bucket, count(DISTINCT ${who})::float8 AS u
         FROM (SELECT day, tenant_id, user_key FROM daily_users ${sql.whereSql}) x
         ${join} GROUP BY day ORDER BY day`,
        sql.params,
      );
      return rows.map((r) => ({ bucket: r.bucket, users: r.u }));
    }
    const sql = filterSql(q);
    sql.where('user_key IS NOT NULL');
    const rows = await this.rows<{ bucket: string; u: number }>(
      `SELECT ${ISO('b')} AS bucket, u FROM (
         SELECT b, count(DISTINCT ${who})::float8 AS u
         FROM (SELECT date_trunc('${q.interval}', occurred_at) AS b, tenant_id, user_key
               FROM events ${sql.whereSql}) x
         ${join} GROUP BY 1) y
       ORDER BY b`,
      sql.params,
    );
    return rows.map((r) => ({ bucket: r.bucket, users: r.u }));
  }

  async topUsers(q: TopUsersQuery): Promise<TopUserRow[]> {
    const linked = await this.hasPersons(q.tenantId);
    if (fitsDailyUserRollup(q)) return this.topUsersFromRollups(q, linked);
    const sql = filterSql(q);
    sql.where('user_key IS NOT NULL');
    // Summed per key first (the scan), then per person.
    const rows = await this.rows<{ u: string; e: number }>(
      byPerson(
        `SELECT tenant_id, user_key, sum(count) AS e FROM events ${sql.whereSql} GROUP BY 1, 2`,
        q.limit,
        linked,
      ),
      sql.params,
    );
    return rows.map((r) => ({ user: r.u, events: r.e }));
  }

  async linkPersons(all: readonly PersonLink[]): Promise<void> {
    // A key linked twice in one call: its latest link, as the port says (PostgreSQL
    // refuses to update one row twice in a statement).
    const links = latestPerKey(all);
    if (links.length === 0) return;
    await this.pool.query(
      `INSERT INTO user_persons (tenant_id, user_key, person_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (tenant_id, user_key) DO UPDATE SET person_id = excluded.person_id`,
      [links.map((l) => l.tenantId), links.map((l) => l.userKey), links.map((l) => l.personId)],
    );
  }

  private async hasPersons(tenantId: string): Promise<boolean> {
    const rows = await this.rows<{ linked: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM user_persons WHERE tenant_id = $1) AS linked',
      [tenantId],
    );
    return rows[0]?.linked === true;
  }

  /**
   * Top users over whole days: whole months from monthly_users; a month the range cuts
   * from daily_users — its days in the range, or, when fewer, the whole month minus the
   * days outside. Exact, and at most half a month of daily rows per cut month.
   */
  private async topUsersFromRollups(q: TopUsersQuery, linked: boolean): Promise<TopUserRow[]> {
    const sql = new Sql();
    const scope = [`tenant_id = ${sql.param(q.tenantId)}`];
    if (q.appIds?.length) scope.push(sql.in('app_id', q.appIds));
    const parts: string[] = [];
    const months = (from: string | null, to: string | null, sign = '') => {
      const where = [...scope];
      if (from) where.push(`month >= '${from}'`);
      if (to) where.push(`month < '${to}'`);
      parts.push(
        `SELECT tenant_id, user_key, ${sign}events AS e FROM monthly_users WHERE ${where.join(' AND ')}`,
      );
    };
    const days = (from: string, to: string, sign = '') =>
      parts.push(
        `SELECT tenant_id, user_key, ${sign}events AS e FROM daily_users
         WHERE ${[...scope, `day >= '${from}'`, `day < '${to}'`].join(' AND ')}`,
      );
    for (const piece of monthPieces(q.from, q.to)) {
      if (piece.kind === 'months') months(piece.from, piece.to);
      else if (piece.inside <= piece.outside) days(piece.from, piece.to);
      else {
        months(piece.month, piece.next);
        if (piece.from > piece.month) days(piece.month, piece.from, '-');
        if (piece.to < piece.next) days(piece.to, piece.next, '-');
      }
    }
    const rows = await this.rows<{ u: string; e: number }>(
      byPerson(parts.join(' UNION ALL '), q.limit, linked),
      sql.params,
    );
    return rows.map((r) => ({ user: r.u, events: r.e }));
  }

  private dailyUsersFilter(q: QueryFilter): Sql {
    const sql = new Sql();
    sql.where(`tenant_id = ${sql.param(q.tenantId)}`);
    if (q.appIds?.length) sql.where(sql.in('app_id', q.appIds));
    if (q.from !== undefined) sql.where(`day >= (${msLiteral(q.from)})::date`);
    if (q.to !== undefined) sql.where(`day < (${msLiteral(q.to)})::date`);
    return sql;
  }

  async recordTraits(all: readonly PersonTraits[]): Promise<void> {
    const rows = latestPerKey(all);
    if (rows.length === 0) return;
    await this.pool.query(
      `INSERT INTO person_traits (tenant_id, user_key, traits)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
       ON CONFLICT (tenant_id, user_key) DO UPDATE SET traits = excluded.traits`,
      [rows.map((r) => r.tenantId), rows.map((r) => r.userKey), rows.map((r) => JSON.stringify(r.traits))],
    );
  }

  async locate(q: ExportQuery): Promise<LocatedPage> {
    const sql = filterSql(q);
    const text = locateSql(sql, q, {
      bigint: 'bigint',
      time: msLiteral,
      ms: '(extract(epoch FROM occurred_at) * 1000)::bigint',
    });
    const rows = await this.rows<{ seq: string; t: string }>(text, sql.params);
    return locatedPage(
      rows.map((r) => ({ seq: Number(r.seq), t: Number(r.t) })),
      q,
    );
  }

  async usage(q: UsageQuery): Promise<UsageRow[]> {
    const sql = filterSql(q);
    if (q.sources?.length) sql.where(sql.in('source', q.sources));
    const dims = q.dimensions.map((d) => `${USAGE_COLUMN[d]} AS "${d}"`);
    const bucket = q.interval ? [`date_trunc('${q.interval}', occurred_at) AS b`] : [];
    const groups = [...bucket, ...dims].map((_, i) => i + 1);
    const inner = [...bucket, ...dims, 'sum(count)::float8 AS total'].join(', ');
    const outer = [
      q.interval ? `${ISO('b')} AS bucket` : 'NULL AS bucket',
      ...q.dimensions.map((d) => `"${d}"`),
      'total',
    ];
    const order = [
      ...(q.interval ? ['b'] : []),
      'total DESC',
      ...q.dimensions.map((d) => `${C(`"${d}"`)} NULLS LAST`),
    ];
    const rows = await this.rows<Record<string, unknown>>(
      `SELECT ${outer.join(', ')} FROM (
         SELECT ${inner} FROM events ${sql.whereSql} ${groups.length ? `GROUP BY ${groups.join(', ')}` : ''}) x
       ORDER BY ${order.join(', ')}`,
      sql.params,
    );
    return rows.map((r) => {
      const row: UsageRow = { bucket: (r.bucket as string | null) ?? null, count: r.total as number };
      for (const d of q.dimensions) row[d] = (r[d] as string | null) ?? null;
      return row;
    });
  }

  async topCompanies(q: TopCompaniesQuery): Promise<TopCompanyRow[]> {
    const sql = filterSql(q);
    sql.where('company IS NOT NULL');
    const rows = await this.rows<{ company: string; total: number; domains: number }>(
      `SELECT company, sum(count)::float8 AS total, count(DISTINCT domain)::float8 AS domains
       FROM events ${sql.whereSql}
       GROUP BY company ORDER BY total DESC, ${C('company')} LIMIT ${Math.trunc(q.limit)}`,
      sql.params,
    );
    return rows.map((r) => ({ company: r.company, count: r.total, domains: r.domains }));
  }

  async eventCount(tenantId: string): Promise<number> {
    const rows = await this.rows<{ n: number }>(
      'SELECT count(*)::float8 AS n FROM events WHERE tenant_id = $1',
      [tenantId],
    );
    return rows[0]?.n ?? 0;
  }

  async trial(batch: StoreBatch): Promise<unknown> {
    const ndjson = withSeqs(batch);
    const client = await this.pool.connect();
    try {
      await this.partitions.ensure(ndjson);
      await client.query('BEGIN');
      if (ndjson !== '') await client.query(this.applySql, [ndjson]);
      else await client.query('SELECT 1');
      return null;
    } catch (err) {
      return err;
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    }
  }

  async reapply(seq: number, doc: string): Promise<ReapplyOutcome> {
    const found = await this.pool.query('SELECT 1 FROM quarantine WHERE seq = $1', [seq]);
    if (found.rowCount === 0) return { outcome: 'not_found' };
    const { offset, index } = refOf(seq);
    const ndjson = withSeqs({ offset, docs: '\n'.repeat(index) + doc, count: 1 });
    try {
      await this.partitions.ensure(ndjson);
      await transaction(this.pool, async (client) => {
        await client.query(this.applySql, [ndjson]);
        await client.query('DELETE FROM quarantine WHERE seq = $1', [seq]);
      });
      return { outcome: 'applied' };
    } catch (err) {
      await this.pool.query('UPDATE quarantine SET reason = $2, attempts = attempts + 1 WHERE seq = $1', [
        seq,
        reasonOf(err),
      ]);
      return { outcome: 'failed', reason: reasonOf(err) };
    }
  }

  async quarantined(q: QuarantineQuery): Promise<QuarantinedEvent[]> {
    const sql = new Sql();
    if (q.tenantId !== null) sql.where(`tenant_id = ${sql.param(q.tenantId)}`);
    if (q.after !== undefined) sql.where(`seq > ${Math.trunc(q.after)}`);
    const rows = await this.rows<{
      seq: string;
      tenant_id: string | null;
      reason: string;
      at: number;
      attempts: number;
    }>(
      `SELECT seq, tenant_id, reason, ${epochMs('set_aside_at')} AS at, attempts FROM quarantine ${sql.whereSql}
       ORDER BY seq LIMIT ${Math.trunc(q.limit)}`,
      sql.params as string[],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      tenantId: r.tenant_id,
      reason: r.reason,
      at: r.at,
      attempts: r.attempts,
    }));
  }

  async quarantineCount(): Promise<number> {
    const rows = await this.rows<{ n: number }>('SELECT count(*)::float8 AS n FROM quarantine', []);
    return rows[0]?.n ?? 0;
  }

  private async setAside(seq: number, reason: string, batch: StoreBatch): Promise<void> {
    const { index } = refOf(seq);
    const doc = batch.docs.split('\n', index + 1)[index] ?? '';
    await this.pool.query(
      'INSERT INTO quarantine VALUES ($1, $2, $3, now(), 1) ON CONFLICT (seq) DO NOTHING',
      [seq, tenantOfDoc(doc), reason],
    );
  }

  async select(sql: string, params: readonly string[], options: SelectOptions = {}): Promise<Row[]> {
    if (options.timeoutMs === undefined) return this.rows<Row>(sql, params);
    // The budget holds for this statement only: SET LOCAL ends with its transaction.
    try {
      return await transaction(this.pool, async (client) => {
        await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.trunc(options.timeoutMs!))}`);
        return (await client.query<Row>(sql, params as string[])).rows;
      });
    } catch (err) {
      if ((err as { code?: string }).code === QUERY_CANCELED) throw new UsageHubError('query_timeout');
      if (unreachable(err)) throw new UsageHubError('store_unavailable');
      throw err;
    }
  }

  private async rows<R extends pg.QueryResultRow>(text: string, params: readonly string[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, params as string[])).rows;
    } catch (err) {
      // PostgreSQL unreachable, restarting or shutting down: the client may retry.
      if (unreachable(err)) throw new UsageHubError('store_unavailable');
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
