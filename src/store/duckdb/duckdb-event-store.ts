import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { LogBatch } from '../../log/event-log.ts';
import type {
  CountRow,
  CountsQuery,
  ExportPage,
  ExportQuery,
  QueryFilter,
  TopUserRow,
  TopUsersQuery,
  UsersQuery,
  UsersRow,
} from '../../query/query.ts';
import type { EventStore } from '../event-store.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    seq BIGINT NOT NULL,            -- unique, grows with the log offset (see BATCH_POSITION_BITS)
    tenant_id VARCHAR NOT NULL,
    app_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    category VARCHAR,
    occurred_at TIMESTAMP_MS NOT NULL,
    user_key VARCHAR,
    session_id VARCHAR,
    count BIGINT NOT NULL,
    client_id VARCHAR,
    doc VARCHAR NOT NULL            -- the whole canonical event, raw payload included
  );
  CREATE TABLE IF NOT EXISTS applied (id INTEGER PRIMARY KEY, log_offset BIGINT NOT NULL);
`;

/**
 * seq = (offset of the first log batch in an apply) << 20 | line number within the
 * apply. Unique and increasing as long as one apply holds fewer than 2^20 events: the
 * next apply starts at a higher offset, so at a higher multiple of 2^20.
 */
const BATCH_POSITION_BITS = 20n;
export const MAX_APPLY_EVENTS = 2 ** 20 - 1;

/** The columns DuckDB extracts from each canonical event, parsed once per row. */
const EVENT_SHAPE = JSON.stringify({
  tenantId: 'VARCHAR',
  appId: 'VARCHAR',
  source: 'VARCHAR',
  name: 'VARCHAR',
  category: 'VARCHAR',
  occurredAt: 'BIGINT',
  actor: { userId: 'VARCHAR', email: 'VARCHAR', deviceId: 'VARCHAR' },
  session: { id: 'VARCHAR' },
  count: 'BIGINT',
  clientId: 'VARCHAR',
});

/**
 * Stores NDJSON text ($1) in one statement: DuckDB splits and parses it in native
 * code, several times cheaper than appending value by value from JavaScript
 * (docs/storage.md). The user key mirrors `userKeyOf` in domain/event.ts.
 */
const insertNdjson = (base: bigint): string => `
  INSERT INTO events
  SELECT ${base}::BIGINT | (i - 1), s.tenantId, s.appId, s.source, s.name, s.category, epoch_ms(s.occurredAt),
         coalesce(s.actor.userId, s.actor.email, s.actor.deviceId), s.session.id, s.count, s.clientId, d
  FROM (SELECT d, i, json_transform(d, '${EVENT_SHAPE}') AS s
        FROM (SELECT unnest(l) AS d, generate_subscripts(l, 1) AS i
              FROM (SELECT string_split($1, chr(10)) AS l)))`;

export interface DuckDbOptions {
  memoryLimit: string;
  threads: number;
}

/** SQL text and its positional parameters, built together so they cannot drift. */
class Sql {
  readonly params: DuckDBValue[] = [];
  private readonly clauses: string[] = [];
  param(value: DuckDBValue): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  where(clause: string): void {
    this.clauses.push(clause);
  }
  get whereSql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** Times are validated integers by the time they get here; inlined as literals. */
const msLiteral = (ms: number): string => `epoch_ms(${Math.trunc(ms)}::BIGINT)`;

function filterSql(f: QueryFilter): Sql {
  const sql = new Sql();
  sql.where(`tenant_id = ${sql.param(f.tenantId)}`);
  if (f.appIds?.length) sql.where(`app_id IN (${f.appIds.map((a) => sql.param(a)).join(', ')})`);
  if (f.names?.length) sql.where(`name IN (${f.names.map((n) => sql.param(n)).join(', ')})`);
  if (f.from !== undefined) sql.where(`occurred_at >= ${msLiteral(f.from)}`);
  if (f.to !== undefined) sql.where(`occurred_at < ${msLiteral(f.to)}`);
  return sql;
}

const BUCKET = (interval: 'hour' | 'day'): string =>
  `strftime(time_bucket(INTERVAL '1 ${interval}', occurred_at), '%Y-%m-%dT%H:%M:%SZ')`;

const GROUP_COLUMN = { name: 'name', app: 'app_id', user: 'user_key' } as const;

/**
 * EventStore on DuckDB: columnar, so the analytical queries scan only the columns they
 * touch (docs/storage.md has the measurements behind this choice). Writes are one
 * INSERT per apply, in a transaction that also advances the applied offset.
 */
export class DuckDbEventStore implements EventStore {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(file: string, options: DuckDbOptions): Promise<DuckDbEventStore> {
    const instance = await DuckDBInstance.create(file, {
      memory_limit: options.memoryLimit,
      threads: String(options.threads),
    });
    const conn = await instance.connect();
    await conn.run(SCHEMA);
    return new DuckDbEventStore(instance, conn);
  }

  async appliedOffset(): Promise<number> {
    const rows = await this.rows('SELECT log_offset FROM applied WHERE id = 1', []);
    const v = rows[0]?.[0];
    return v === undefined || v === null ? 0 : Number(v);
  }

  async apply(batches: readonly LogBatch[]): Promise<void> {
    const applied = await this.appliedOffset();
    const todo = batches.filter((b) => b.offset > applied);
    if (todo.length === 0) return;
    const lines = todo.reduce((n, b) => n + b.count, 0);
    if (lines > MAX_APPLY_EVENTS)
      throw new Error(`apply takes at most ${MAX_APPLY_EVENTS} events, got ${lines}`);
    const base = BigInt(todo[0]!.offset) << BATCH_POSITION_BITS;
    const last = todo[todo.length - 1]!.offset;
    await this.conn.run('BEGIN TRANSACTION');
    try {
      await this.conn.run(insertNdjson(base), [todo.map((b) => b.docs).join('\n')]);
      await this.conn.run(
        `INSERT INTO applied VALUES (1, ${last}) ON CONFLICT (id) DO UPDATE SET log_offset = excluded.log_offset`,
      );
      await this.conn.run('COMMIT');
    } catch (err) {
      await this.conn.run('ROLLBACK');
      throw err;
    }
  }

  async counts(q: CountsQuery): Promise<CountRow[]> {
    const sql = filterSql(q);
    const key = q.groupBy ? GROUP_COLUMN[q.groupBy] : 'NULL';
    const rows = await this.rows(
      `SELECT ${BUCKET(q.interval)} AS bucket, ${key} AS key, sum(count)::DOUBLE AS events
       FROM events ${sql.whereSql} GROUP BY ALL ORDER BY bucket, events DESC, key`,
      sql.params,
    );
    return rows.map((r) => ({
      bucket: String(r[0]),
      key: r[1] === null ? null : String(r[1]),
      events: Number(r[2]),
    }));
  }

  async distinctUsers(q: UsersQuery): Promise<UsersRow[]> {
    const sql = filterSql(q);
    sql.where('user_key IS NOT NULL');
    const rows = await this.rows(
      `SELECT ${BUCKET(q.interval)} AS bucket, count(DISTINCT user_key)::DOUBLE AS users
       FROM events ${sql.whereSql} GROUP BY ALL ORDER BY bucket`,
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

  async exportPage(q: ExportQuery): Promise<ExportPage> {
    const sql = filterSql(q);
    if (q.after !== undefined) sql.where(`seq > ${BigInt(q.after)}::BIGINT`);
    const rows = await this.rows(
      `SELECT seq, doc FROM events ${sql.whereSql} ORDER BY seq LIMIT ${Math.trunc(q.limit)}`,
      sql.params,
    );
    const last = rows[rows.length - 1];
    return {
      events: rows.map((r) => String(r[1])),
      next: rows.length === q.limit && last ? String(last[0]) : null,
    };
  }

  async eventCount(tenantId: string): Promise<number> {
    const rows = await this.rows('SELECT count(*)::DOUBLE FROM events WHERE tenant_id = $1', [tenantId]);
    return Number(rows[0]?.[0] ?? 0);
  }

  private async rows(sql: string, params: DuckDBValue[]): Promise<DuckDBValue[][]> {
    const reader = await this.conn.runAndReadAll(sql, params);
    return reader.getRows();
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
