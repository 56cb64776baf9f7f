import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type {
  SessionListQuery,
  SessionRow,
  SessionState,
  SessionStatsRow,
  SessionsQuery,
  TopCompaniesQuery,
  TopCompanyRow,
  UsageQuery,
  UsageRow,
  ConnectionStatsRow,
  MediaUsageRow,
  OriginRow,
  SearchStatsRow,
  CountRow,
  CountsQuery,
  ExportQuery,
  LocatedPage,
  QueryFilter,
  TopUserRow,
  TopUsersQuery,
  UsersQuery,
  UsersRow,
} from '../queries.ts';
import type { EventStore, StoreBatch } from '../event-store.ts';
import {
  reasonOf,
  tenantOfDoc,
  type QuarantineQuery,
  type QuarantinedEvent,
  type ReapplyOutcome,
} from '../quarantine.ts';
import { POSITION_RANGE, refOf, seqOf } from '../seq.ts';
import {
  GROUP_COLUMN,
  Sql,
  USAGE_COLUMN,
  filterSql as filterSqlOf,
  fitsDailyUserRollup,
} from '../sql-builder.ts';
import { LATE_AFTER_MS } from '../../domain/event.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    seq BIGINT NOT NULL,            -- log offset * 2^20 + position in the batch (see seqOf)
    tenant_id VARCHAR NOT NULL,
    app_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    category VARCHAR,
    occurred_at TIMESTAMP_MS NOT NULL,
    user_key VARCHAR,
    session_id VARCHAR,
    count BIGINT NOT NULL,
    client_id VARCHAR,              -- the full document stays in the log (EventLog.docsAt)
    target_app VARCHAR,             -- logins: the app instance logged into
    late BOOLEAN NOT NULL DEFAULT false, -- arrived more than 12 h after it happened
    company VARCHAR,                -- resolved from the domain or the IP range (enrichment/)
    domain VARCHAR,
    environment VARCHAR,
    session_action VARCHAR,         -- START, UPDATE or END (sessions v3)
    entities JSON                   -- sessions v3: the event's entities
  );
  -- Stores written before these columns existed get them (existing events: not late).
  ALTER TABLE events ADD COLUMN IF NOT EXISTS target_app VARCHAR;
  ALTER TABLE events ADD COLUMN IF NOT EXISTS late BOOLEAN DEFAULT false;
  ALTER TABLE events ADD COLUMN IF NOT EXISTS company VARCHAR;
  ALTER TABLE events ADD COLUMN IF NOT EXISTS domain VARCHAR;
  ALTER TABLE events ADD COLUMN IF NOT EXISTS environment VARCHAR;
  ALTER TABLE events ADD COLUMN IF NOT EXISTS session_action VARCHAR;
  ALTER TABLE events ADD COLUMN IF NOT EXISTS entities JSON;
  -- Statistic hits: what their queries need beyond the events table, one row per hit.
  CREATE TABLE IF NOT EXISTS hits (
    seq BIGINT NOT NULL, tenant_id VARCHAR NOT NULL, app_id VARCHAR NOT NULL,
    occurred_at TIMESTAMP_MS NOT NULL, type VARCHAR NOT NULL, origin INTEGER,
    medias VARCHAR[], watched_seconds DOUBLE, search_type VARCHAR, result_count BIGINT,
    conn_mode VARCHAR, conn_success BOOLEAN);
  CREATE TABLE IF NOT EXISTS applied (id INTEGER PRIMARY KEY, log_offset BIGINT NOT NULL);
  -- Events the store could not apply, set aside so that the writer moves on (quarantine.ts).
  CREATE TABLE IF NOT EXISTS quarantine (
    seq BIGINT PRIMARY KEY, tenant_id VARCHAR, reason VARCHAR NOT NULL,
    set_aside_at TIMESTAMP_MS NOT NULL, attempts INTEGER NOT NULL);
  -- Rollup: who was active on which UTC day, once per (tenant, app, day, user). Distinct
  -- users over a month of raw events cost a hash aggregation of every event (~530 ms
  -- for 10 M on two cores); over this table, tens of milliseconds.
  CREATE TABLE IF NOT EXISTS daily_users (
    tenant_id VARCHAR NOT NULL, app_id VARCHAR NOT NULL, day DATE NOT NULL, user_key VARCHAR NOT NULL);
`;

/**
 * Adds the (tenant, app, day, user) pairs of events with seq >= $lo that the rollup
 * lacks. No index: events arrive roughly in time order, so the rollup is appended in
 * day order and its zone maps limit the anti-join to the days the new events touch.
 */
const ROLLUP_DAILY_USERS = (lo: number) => `
  INSERT INTO daily_users
  SELECT DISTINCT n.tenant_id, n.app_id, n.occurred_at::DATE, n.user_key FROM events n
  WHERE n.seq >= ${lo}::BIGINT AND n.user_key IS NOT NULL
    AND NOT EXISTS (
      SELECT 1 FROM daily_users r
      WHERE r.day >= (SELECT min(occurred_at)::DATE FROM events WHERE seq >= ${lo}::BIGINT)
        AND r.tenant_id = n.tenant_id AND r.app_id = n.app_id
        AND r.day = n.occurred_at::DATE AND r.user_key = n.user_key)`;

/**
 * The documents of several log batches with their seqs (see seq.ts): $1 holds the
 * batches' NDJSON separated by RS (chr 30, which JSON escapes inside strings), $2 their
 * offsets, comma-separated. DuckDB splits and numbers the documents in native code;
 * rewriting each one in JavaScript to carry its seq cost ~1 us per event. An empty line
 * is a hole (an event set aside in quarantine): it keeps its place and is not stored.
 */
const RS = String.fromCharCode(30);
const DOCS_WITH_SEQS = `
  SELECT seq, doc FROM (
    SELECT off * ${POSITION_RANGE} + generate_subscripts(docs, 1) - 1 AS seq, unnest(docs) AS doc
    FROM (SELECT unnest(string_split($2, ',')::BIGINT[]) AS off,
                 string_split(unnest(string_split($1, chr(30))), chr(10)) AS docs))
  WHERE doc <> ''`;

/** A batch's NDJSON with its holes blanked out. */
function docsWithHoles(batch: StoreBatch): string {
  if (!batch.holes?.length) return batch.docs;
  const lines = batch.docs.split('\n');
  for (const h of batch.holes) lines[h.index] = '';
  return lines.join('\n');
}

/** The columns DuckDB extracts from each canonical event, parsed once per row. */
const EVENT_SHAPE = JSON.stringify({
  tenantId: 'VARCHAR',
  appId: 'VARCHAR',
  source: 'VARCHAR',
  name: 'VARCHAR',
  category: 'VARCHAR',
  occurredAt: 'BIGINT',
  receivedAt: 'BIGINT',
  context: { targetApp: 'VARCHAR', company: 'VARCHAR', domain: 'VARCHAR', environment: 'VARCHAR' },
  actor: { userId: 'VARCHAR', email: 'VARCHAR', deviceId: 'VARCHAR' },
  session: { id: 'VARCHAR', action: 'VARCHAR' },
  properties: { entities: 'JSON' },
  count: 'BIGINT',
  clientId: 'VARCHAR',
});

/**
 * Stores NDJSON text ($1) in one statement: DuckDB splits and parses it in native
 * code, several times cheaper than appending value by value from JavaScript
 * (docs/storage.md). Only the queried columns are kept: writing each 500-byte document
 * into DuckDB too cost 5 us of CPU per event and 12x the file. The user key mirrors
 * the rule on `Actor` in domain/event.ts.
 */
const INSERT_NDJSON = `
  INSERT INTO events (seq, tenant_id, app_id, source, name, category, occurred_at, user_key,
                      session_id, count, client_id, target_app, late, company, domain, environment,
                      session_action, entities)
  SELECT seq, s.tenantId, s.appId, s.source, s.name, s.category, epoch_ms(s.occurredAt),
         coalesce(s.actor.userId, s.actor.email, s.actor.deviceId), s.session.id, s.count, s.clientId,
         s.context.targetApp, s.receivedAt - s.occurredAt > ${LATE_AFTER_MS},
         s.context.company, s.context.domain, s.context.environment,
         s.session.action, CASE WHEN s.source = 'sessions' THEN s.properties.entities END
  FROM (SELECT seq, json_transform(doc, '${EVENT_SHAPE}') AS s FROM (${DOCS_WITH_SEQS}))`;

const HIT_SHAPE = JSON.stringify({
  tenantId: 'VARCHAR',
  appId: 'VARCHAR',
  source: 'VARCHAR',
  name: 'VARCHAR',
  occurredAt: 'BIGINT',
  properties: {
    origin: 'INTEGER',
    medias: ['VARCHAR'],
    watchedSeconds: 'DOUBLE',
    search: { searchType: 'VARCHAR', resultCount: 'BIGINT' },
    connection: { mode: 'VARCHAR', success: 'BOOLEAN' },
  },
});

/** The hits among the documents (DOCS_WITH_SEQS), into the hits table (hit.mapping.ts sets these properties). */
const INSERT_HITS = `
  INSERT INTO hits
  SELECT seq, s.tenantId, s.appId, epoch_ms(s.occurredAt), s.name, s.properties.origin,
         s.properties.medias, s.properties.watchedSeconds, s.properties.search.searchType,
         s.properties.search.resultCount, s.properties.connection.mode, s.properties.connection.success
  FROM (SELECT seq, json_transform(doc, '${HIT_SHAPE}') AS s FROM (${DOCS_WITH_SEQS}))
  WHERE s.source = 'hits'`;

const CHECKPOINT_THRESHOLD = '64MB';

export interface DuckDbOptions {
  memoryLimit: string;
  threads: number;
}

/** Times are validated integers by the time they get here; inlined as literals. */
const msLiteral = (ms: number): string => `epoch_ms(${Math.trunc(ms)}::BIGINT)`;

const filterSql = (f: QueryFilter) => filterSqlOf(f, msLiteral);

/**
 * Sessions, joined from their events at query time: per (app, session id), the first
 * START and the first END, how many of each, the UPDATEs between them, the last event.
 * Joining when asked makes the order of arrival irrelevant — an END stored before its
 * START joins it once the START is stored — and needs no state beyond the events.
 * A null tenant means every tenant (the metrics); the filters become `sql`'s parameters.
 */
function sessionsCte(sql: Sql, tenantId: string | null, appIds?: readonly string[]): string {
  const where = ["source = 'sessions'", 'session_id IS NOT NULL'];
  if (tenantId !== null) where.push(`tenant_id = ${sql.param(tenantId)}`);
  if (appIds?.length) where.push(`app_id IN (${appIds.map((a) => sql.param(a)).join(', ')})`);
  return `
    ev AS (SELECT tenant_id, app_id, session_id, session_action AS a, name, occurred_at, entities
           FROM events WHERE ${where.join(' AND ')}),
    agg AS (
      SELECT tenant_id, app_id, session_id,
             arg_min(name, occurred_at) FILTER (WHERE a = 'START') AS type,
             min(occurred_at) FILTER (WHERE a = 'START') AS started_at,
             min(occurred_at) FILTER (WHERE a = 'END') AS ended_at,
             count(*) FILTER (WHERE a = 'START') AS starts,
             count(*) FILTER (WHERE a = 'END') AS ends,
             max(occurred_at) AS last_at,
             arg_min(entities, occurred_at) FILTER (WHERE a = 'START') AS start_entities,
             arg_min(entities, occurred_at) FILTER (WHERE a = 'END') AS end_entities
      FROM ev GROUP BY ALL),
    upd AS (
      SELECT e.tenant_id, e.app_id, e.session_id, count(*) AS updates
      FROM ev e JOIN agg s USING (tenant_id, app_id, session_id)
      WHERE e.a = 'UPDATE' AND e.occurred_at >= s.started_at
        AND (s.ended_at IS NULL OR e.occurred_at <= s.ended_at)
      GROUP BY ALL),
    sessions AS (
      SELECT s.*, coalesce(u.updates, 0) AS updates,
             CASE WHEN s.starts = 0 THEN 'waiting_for_start'
                  WHEN s.ends > 0 THEN 'closed'
                  WHEN epoch_ms(s.last_at) + $idle < $now THEN 'timed_out'
                  ELSE 'open' END AS state,
             (epoch_ms(CASE WHEN s.ends > 0 THEN s.ended_at ELSE s.last_at END) - epoch_ms(s.started_at)) / 1000.0
               AS duration_s
      FROM agg s LEFT JOIN upd u USING (tenant_id, app_id, session_id))`;
}

/** Puts the idle timeout and the clock into a sessions query (integers, inlined). */
const withIdle = (sqlText: string, q: { idleMs: number; now: number }): string =>
  sqlText
    .replaceAll('$idle', `${Math.trunc(q.idleMs)}::BIGINT`)
    .replaceAll('$now', `${Math.trunc(q.now)}::BIGINT`);

/** The hits table has tenant, app and time; names, categories and lateness are the events table's. */
const hitFilterSql = (f: QueryFilter) => filterSqlOf(f, msLiteral, false);

const BUCKET = (interval: 'hour' | 'day'): string => `time_bucket(INTERVAL '1 ${interval}', occurred_at)`;
const ISO = (column: string): string => `strftime(${column}, '%Y-%m-%dT%H:%M:%SZ')`;

/** The rollup answers daily distinct users for whole UTC days, by app, without a name filter. */
const usesDailyRollup = (q: UsersQuery): boolean => q.interval === 'day' && fitsDailyUserRollup(q);

/**
 * EventStore on DuckDB: columnar, so the analytical queries scan only the columns they
 * touch (docs/storage.md has the measurements behind this choice). Writes are one
 * INSERT per apply, in a transaction that also advances the applied offset.
 */
export class DuckDbEventStore implements EventStore {
  /**
   * `conn` writes; `reader` answers queries. Apart, a query that fails (or runs long)
   * never touches the writer's transaction: each sees the last committed state.
   */
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly reader: DuckDBConnection,
  ) {}

  /** The writer's connection holds one transaction at a time: apply, trial and reapply take turns (exclusive). */
  private turn: Promise<unknown> = Promise.resolve();

  static async open(file: string, options: DuckDbOptions): Promise<DuckDbEventStore> {
    const instance = await DuckDBInstance.create(file, {
      memory_limit: options.memoryLimit,
      threads: String(options.threads),
      // DuckDB checkpoints when its WAL reaches this size, and each checkpoint rewrites
      // the partly filled last row group of every table it touched. At the default
      // (16 MiB, ~50k events) the tail of `events` was recompressed several times over
      // and applying cost 5.6-7.4 us of CPU per event; at 64 MiB, 4.3-4.8 us
      // (docs/storage.md). The price: up to 64 MiB of WAL to replay after a crash.
      checkpoint_threshold: CHECKPOINT_THRESHOLD,
    });
    const conn = await instance.connect();
    await conn.run(SCHEMA);
    // A store written before the rollup existed gets it built once.
    const backfill = await conn.runAndReadAll(
      'SELECT EXISTS (SELECT 1 FROM events) AND NOT EXISTS (SELECT 1 FROM daily_users)',
    );
    if (backfill.getRows()[0]?.[0] === true) await conn.run(ROLLUP_DAILY_USERS(0));
    return new DuckDbEventStore(instance, conn, await instance.connect());
  }

  async appliedOffset(): Promise<number> {
    const rows = (await this.conn.runAndReadAll('SELECT log_offset FROM applied WHERE id = 1')).getRows();
    const v = rows[0]?.[0];
    return v === undefined || v === null ? 0 : Number(v);
  }

  apply(batches: readonly StoreBatch[]): Promise<void> {
    return this.exclusive(() => this.applyNow(batches));
  }

  private async applyNow(batches: readonly StoreBatch[]): Promise<void> {
    const applied = await this.appliedOffset();
    const todo = batches.filter((b) => b.offset > applied);
    if (todo.length === 0) return;
    const last = todo[todo.length - 1]!.offset;
    await this.inTransaction('COMMIT', async () => {
      await this.insert(todo);
      for (const b of todo) {
        for (const h of b.holes ?? [])
          await this.setAside(seqOf({ offset: b.offset, index: h.index }), h.reason, b);
      }
      await this.conn.run(
        `INSERT INTO applied VALUES (1, ${last}) ON CONFLICT (id) DO UPDATE SET log_offset = excluded.log_offset`,
      );
    });
  }

  trial(batch: StoreBatch): Promise<unknown> {
    return this.exclusive(async () => {
      try {
        await this.inTransaction('ROLLBACK', () => this.insert([batch]));
        return null;
      } catch (err) {
        return err;
      }
    });
  }

  reapply(seq: number, doc: string): Promise<ReapplyOutcome> {
    return this.exclusive(() => this.reapplyNow(seq, doc));
  }

  private async reapplyNow(seq: number, doc: string): Promise<ReapplyOutcome> {
    const found = await this.conn.runAndReadAll('SELECT 1 FROM quarantine WHERE seq = $1', [seq]);
    if (found.getRows().length === 0) return { outcome: 'not_found' };
    const { offset, index } = refOf(seq);
    // The event alone at its place in its batch: every other place is a hole.
    const batch = { offset, docs: '\n'.repeat(index) + doc, count: 1 };
    try {
      await this.inTransaction('COMMIT', async () => {
        await this.insert([batch]);
        await this.conn.run('DELETE FROM quarantine WHERE seq = $1', [seq]);
      });
      return { outcome: 'applied' };
    } catch (err) {
      await this.conn.run('UPDATE quarantine SET reason = $2, attempts = attempts + 1 WHERE seq = $1', [
        seq,
        reasonOf(err),
      ]);
      return { outcome: 'failed', reason: reasonOf(err) };
    }
  }

  async quarantined(q: QuarantineQuery): Promise<QuarantinedEvent[]> {
    const sql = new Sql();
    if (q.tenantId !== null) sql.where(`tenant_id = ${sql.param(q.tenantId)}`);
    if (q.after !== undefined) sql.where(`seq > ${Math.trunc(q.after)}::BIGINT`);
    const rows = await this.rows(
      `SELECT seq, tenant_id, reason, epoch_ms(set_aside_at), attempts FROM quarantine ${sql.whereSql}
       ORDER BY seq LIMIT ${Math.trunc(q.limit)}`,
      sql.params,
    );
    return rows.map((r) => ({
      seq: Number(r[0]),
      tenantId: r[1] === null ? null : String(r[1]),
      reason: String(r[2]),
      at: Number(r[3]),
      attempts: Number(r[4]),
    }));
  }

  async quarantineCount(): Promise<number> {
    return Number((await this.rows('SELECT count(*)::DOUBLE FROM quarantine', []))[0]?.[0] ?? 0);
  }

  /** The batches' events (holes left out) into events, hits and the rollup, in the current transaction. */
  private async insert(batches: readonly StoreBatch[]): Promise<void> {
    const docs = batches.map(docsWithHoles).join(RS);
    const offsets = batches.map((b) => b.offset).join(',');
    await this.conn.run(INSERT_NDJSON, [docs, offsets]);
    // Parsed a second time only for batches that hold hits.
    if (docs.includes('"source":"hits"')) await this.conn.run(INSERT_HITS, [docs, offsets]);
    await this.conn.run(ROLLUP_DAILY_USERS(seqOf({ offset: batches[0]!.offset, index: 0 })));
  }

  private async setAside(seq: number, reason: string, batch: StoreBatch): Promise<void> {
    const doc = batch.docs.split('\n', refOf(seq).index + 1)[refOf(seq).index] ?? '';
    await this.conn.run(
      `INSERT INTO quarantine VALUES ($1, $2, $3, epoch_ms($4::BIGINT), 1) ON CONFLICT (seq) DO NOTHING`,
      [seq, tenantOfDoc(doc), reason, Date.now()],
    );
  }

  /**
   * Runs `work` in a transaction of the writer's connection, ending it with `end`. When
   * the work fails the transaction is rolled back; when the commit itself fails DuckDB
   * has already ended it, and that first error is the one thrown.
   */
  private async inTransaction(end: 'COMMIT' | 'ROLLBACK', work: () => Promise<void>): Promise<void> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      await work();
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => {});
      throw err;
    }
    await this.conn.run(end);
  }

  /** Runs `work` when the writer's connection is free, so that its statements are not interleaved with another's. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const done = this.turn.then(work, work);
    this.turn = done.catch(() => {});
    return done;
  }

  async counts(q: CountsQuery): Promise<CountRow[]> {
    const sql = filterSql(q);
    const key = q.groupBy ? GROUP_COLUMN[q.groupBy] : 'NULL';
    // Group on the bucket timestamp and format only the groups: formatting inside the
    // GROUP BY formats every event (2.5x slower at 10 M events).
    const rows = await this.rows(
      `SELECT ${ISO('b')}, k, e FROM (
         SELECT ${BUCKET(q.interval)} AS b, ${key} AS k, sum(count)::DOUBLE AS e
         FROM events ${sql.whereSql} GROUP BY ALL)
       ORDER BY b, e DESC, k`,
      sql.params,
    );
    return rows.map((r) => ({
      bucket: String(r[0]),
      key: r[1] === null ? null : String(r[1]),
      events: Number(r[2]),
    }));
  }

  async distinctUsers(q: UsersQuery): Promise<UsersRow[]> {
    return usesDailyRollup(q) ? this.distinctUsersFromRollup(q) : this.distinctUsersFromEvents(q);
  }

  private async distinctUsersFromEvents(q: UsersQuery): Promise<UsersRow[]> {
    const sql = filterSql(q);
    sql.where('user_key IS NOT NULL');
    const rows = await this.rows(
      `SELECT ${ISO('b')}, u FROM (
         SELECT ${BUCKET(q.interval)} AS b, count(DISTINCT user_key)::DOUBLE AS u
         FROM events ${sql.whereSql} GROUP BY ALL)
       ORDER BY b`,
      sql.params,
    );
    return rows.map((r) => ({ bucket: String(r[0]), users: Number(r[1]) }));
  }

  private async distinctUsersFromRollup(q: UsersQuery): Promise<UsersRow[]> {
    const sql = new Sql();
    sql.where(`tenant_id = ${sql.param(q.tenantId)}`);
    if (q.appIds?.length) sql.where(`app_id IN (${q.appIds.map((a) => sql.param(a)).join(', ')})`);
    if (q.from !== undefined) sql.where(`day >= ${msLiteral(q.from)}::DATE`);
    if (q.to !== undefined) sql.where(`day < ${msLiteral(q.to)}::DATE`);
    // One row per (app, day, user): within one app a plain count is exact.
    const users = q.appIds?.length === 1 ? 'count(*)' : 'count(DISTINCT user_key)';
    const rows = await this.rows(
      `SELECT ${ISO('day::TIMESTAMP')}, ${users}::DOUBLE FROM daily_users ${sql.whereSql} GROUP BY day ORDER BY day`,
      sql.params,
    );
    return rows.map((r) => ({ bucket: String(r[0]), users: Number(r[1]) }));
  }

  async topUsers(q: TopUsersQuery): Promise<TopUserRow[]> {
    const sql = filterSql(q);
    sql.where('user_key IS NOT NULL');
    const rows = await this.rows(
      `SELECT user_key, sum(count)::DOUBLE AS events FROM events ${sql.whereSql}
       GROUP BY ALL ORDER BY events DESC, user_key LIMIT ${Math.trunc(q.limit)}`,
      sql.params,
    );
    return rows.map((r) => ({ user: String(r[0]), events: Number(r[1]) }));
  }

  async locate(q: ExportQuery): Promise<LocatedPage> {
    const sql = filterSql(q);
    if (q.after !== undefined) sql.where(`seq > ${Math.trunc(Number(q.after))}::BIGINT`);
    const rows = await this.rows(
      `SELECT seq FROM events ${sql.whereSql} ORDER BY seq LIMIT ${Math.trunc(q.limit)}`,
      sql.params,
    );
    const seqs = rows.map((r) => Number(r[0]));
    const last = seqs[seqs.length - 1];
    return {
      refs: seqs.map(refOf),
      next: seqs.length === q.limit && last !== undefined ? String(last) : null,
    };
  }

  async usage(q: UsageQuery): Promise<UsageRow[]> {
    const sql = filterSql(q);
    if (q.sources?.length) sql.where(sql.in('source', q.sources));
    const dims = q.dimensions.map((d) => `${USAGE_COLUMN[d]} AS "${d}"`);
    const bucket = q.interval ? [`${BUCKET(q.interval)} AS b`] : [];
    const inner = [...bucket, ...dims, 'sum(count)::DOUBLE AS total'].join(', ');
    const outer = [
      q.interval ? `${ISO('b')} AS bucket` : 'NULL AS bucket',
      ...q.dimensions.map((d) => `"${d}"`),
      'total',
    ];
    const order = [...(q.interval ? ['b'] : []), 'total DESC', ...q.dimensions.map((d) => `"${d}"`)];
    const reader = await this.reader.runAndReadAll(
      `SELECT ${outer.join(', ')} FROM (SELECT ${inner} FROM events ${sql.whereSql} GROUP BY ALL)
       ORDER BY ${order.join(', ')}`,
      sql.params,
    );
    return reader.getRows().map((r) => {
      const row: UsageRow = { bucket: r[0] === null ? null : String(r[0]), count: Number(r[r.length - 1]) };
      q.dimensions.forEach((d, i) => {
        const v = r[i + 1];
        row[d] = v === null || v === undefined ? null : String(v);
      });
      return row;
    });
  }

  async topCompanies(q: TopCompaniesQuery): Promise<TopCompanyRow[]> {
    const sql = filterSql(q);
    sql.where('company IS NOT NULL');
    const rows = await this.rows(
      `SELECT company, sum(count)::DOUBLE AS total, count(DISTINCT domain)::DOUBLE FROM events ${sql.whereSql}
       GROUP BY company ORDER BY total DESC, company LIMIT ${Math.trunc(q.limit)}`,
      sql.params,
    );
    return rows.map((r) => ({ company: String(r[0]), count: Number(r[1]), domains: Number(r[2]) }));
  }

  async sessionStats(q: SessionsQuery): Promise<SessionStatsRow[]> {
    const sql = new Sql();
    const cte = sessionsCte(sql, q.tenantId, q.appIds);
    const where = ["state IN ('closed', 'timed_out', 'open')"];
    if (q.from !== undefined) where.push(`started_at >= ${msLiteral(q.from)}`);
    if (q.to !== undefined) where.push(`started_at < ${msLiteral(q.to)}`);
    if (q.types?.length) where.push(`type IN (${q.types.map((t) => sql.param(t)).join(', ')})`);
    const rows = await this.rows(
      withIdle(
        `WITH ${cte}
         SELECT type,
                count(*) FILTER (WHERE state = 'closed')::DOUBLE,
                coalesce(sum(duration_s) FILTER (WHERE state = 'closed'), 0)::DOUBLE,
                quantile_cont(duration_s, 0.5) FILTER (WHERE state = 'closed')::DOUBLE,
                quantile_cont(duration_s, 0.9) FILTER (WHERE state = 'closed')::DOUBLE,
                count(*) FILTER (WHERE state = 'open')::DOUBLE,
                count(*) FILTER (WHERE state = 'timed_out')::DOUBLE
         FROM sessions WHERE ${where.join(' AND ')} GROUP BY type ORDER BY type`,
        q,
      ),
      sql.params,
    );
    const num = (v: DuckDBValue | undefined) => (v === null || v === undefined ? null : Number(v));
    return rows.map((r) => ({
      type: String(r[0]),
      sessions: Number(r[1]),
      totalDurationSeconds: Number(r[2]),
      p50DurationSeconds: num(r[3]),
      p90DurationSeconds: num(r[4]),
      open: Number(r[5]),
      timedOut: Number(r[6]),
    }));
  }

  async sessions(q: SessionListQuery): Promise<SessionRow[]> {
    const sql = new Sql();
    const cte = sessionsCte(sql, q.tenantId, q.appIds);
    const where = ['TRUE'];
    if (q.state === 'conflict') where.push('(starts > 1 OR ends > 1)');
    else if (q.state) where.push(`state = ${sql.param(q.state)}`);
    if (q.from !== undefined) where.push(`coalesce(started_at, ended_at) >= ${msLiteral(q.from)}`);
    if (q.to !== undefined) where.push(`coalesce(started_at, ended_at) < ${msLiteral(q.to)}`);
    if (q.types?.length) where.push(`type IN (${q.types.map((t) => sql.param(t)).join(', ')})`);
    const rows = await this.rows(
      withIdle(
        `WITH ${cte}
         SELECT app_id, session_id, type, state, epoch_ms(started_at), epoch_ms(ended_at), epoch_ms(last_at),
                duration_s, updates, starts, ends, start_entities::VARCHAR, end_entities::VARCHAR
         FROM sessions WHERE ${where.join(' AND ')}
         ORDER BY coalesce(started_at, ended_at), app_id, session_id LIMIT ${Math.trunc(q.limit)}`,
        q,
      ),
      sql.params,
    );
    const ms = (v: DuckDBValue | undefined) => (v === null || v === undefined ? null : Number(v));
    const entities = (start: DuckDBValue | undefined, end: DuckDBValue | undefined) => {
      // The session's entities: the START's, with the END's added over them.
      const merged = new Map<string, unknown>();
      for (const text of [start, end]) {
        if (text === null || text === undefined) continue;
        for (const { key, value } of JSON.parse(String(text)) as { key: string; value: unknown }[])
          merged.set(key, value);
      }
      return [...merged].map(([key, value]) => ({ key, value }));
    };
    return rows.map((r) => ({
      app: String(r[0]),
      session: String(r[1]),
      type: r[2] === null ? null : String(r[2]),
      state: String(r[3]) as SessionState,
      startedAt: ms(r[4]),
      endedAt: ms(r[5]),
      lastEventAt: Number(r[6]),
      durationSeconds: r[4] === null ? null : Number(r[7]),
      updates: Number(r[8]),
      starts: Number(r[9]),
      ends: Number(r[10]),
      entities: entities(r[11]!, r[12]!),
    }));
  }

  async sessionGauges(
    idleMs: number,
    now: number,
  ): Promise<{ open: number; timedOut: number; conflicts: number }> {
    const sql = new Sql();
    const cte = sessionsCte(sql, null);
    const rows = await this.rows(
      withIdle(
        `WITH ${cte}
         SELECT count(*) FILTER (WHERE state = 'open')::DOUBLE, count(*) FILTER (WHERE state = 'timed_out')::DOUBLE,
                (coalesce(sum(starts - 1) FILTER (WHERE starts > 1), 0) + coalesce(sum(ends - 1) FILTER (WHERE ends > 1), 0))::DOUBLE
         FROM sessions`,
        { idleMs, now },
      ),
      sql.params,
    );
    const r = rows[0] ?? [0, 0, 0];
    return { open: Number(r[0]), timedOut: Number(r[1]), conflicts: Number(r[2]) };
  }

  async mediaUsage(q: QueryFilter): Promise<MediaUsageRow[]> {
    const sql = hitFilterSql(q);
    const rows = await this.rows(
      `SELECT media,
              count(*) FILTER (WHERE type = 'DOWNLOAD')::DOUBLE,
              count(*) FILTER (WHERE type = 'VIEW')::DOUBLE,
              count(*) FILTER (WHERE type = 'PLAY')::DOUBLE,
              count(*) FILTER (WHERE type = 'UPLOAD')::DOUBLE,
              coalesce(sum(watched_seconds) FILTER (WHERE type = 'PLAY'), 0)::DOUBLE
       FROM (SELECT unnest(medias) AS media, type, watched_seconds FROM hits ${sql.whereSql})
       GROUP BY media ORDER BY media`,
      sql.params,
    );
    return rows.map((r) => ({
      media: String(r[0]),
      downloads: Number(r[1]),
      views: Number(r[2]),
      plays: Number(r[3]),
      uploads: Number(r[4]),
      secondsWatched: Number(r[5]),
    }));
  }

  async searchStats(q: QueryFilter): Promise<SearchStatsRow[]> {
    const sql = hitFilterSql(q);
    sql.where(`type = 'SEARCH'`);
    const rows = await this.rows(
      `SELECT search_type, count(*)::DOUBLE, avg(result_count)::DOUBLE FROM hits ${sql.whereSql}
       GROUP BY search_type ORDER BY search_type`,
      sql.params,
    );
    return rows.map((r) => ({
      searchType: String(r[0]),
      searches: Number(r[1]),
      averageResultCount: Number(r[2]),
    }));
  }

  async connectionStats(q: QueryFilter): Promise<ConnectionStatsRow[]> {
    const sql = hitFilterSql(q);
    sql.where(`type = 'CONNECTION'`);
    const rows = await this.rows(
      `SELECT conn_mode, count(*)::DOUBLE, count(*) FILTER (WHERE conn_success)::DOUBLE FROM hits
       ${sql.whereSql} GROUP BY conn_mode ORDER BY conn_mode`,
      sql.params,
    );
    return rows.map((r) => ({
      mode: String(r[0]),
      attempts: Number(r[1]),
      successes: Number(r[2]),
      successRate: Number(r[1]) === 0 ? 0 : Number(r[2]) / Number(r[1]),
    }));
  }

  async hitsByOrigin(q: QueryFilter): Promise<OriginRow[]> {
    const sql = hitFilterSql(q);
    const rows = await this.rows(
      `SELECT origin, type, count(*)::DOUBLE FROM hits ${sql.whereSql} GROUP BY ALL ORDER BY origin, type`,
      sql.params,
    );
    return rows.map((r) => ({ origin: Number(r[0]), type: String(r[1]), hits: Number(r[2]) }));
  }

  async eventCount(tenantId: string): Promise<number> {
    const rows = await this.rows('SELECT count(*)::DOUBLE FROM events WHERE tenant_id = $1', [tenantId]);
    return Number(rows[0]?.[0] ?? 0);
  }

  private async rows(sql: string, params: DuckDBValue[]): Promise<DuckDBValue[][]> {
    const reader = await this.reader.runAndReadAll(sql, params);
    return reader.getRows();
  }

  async close(): Promise<void> {
    this.reader.closeSync();
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
