import type { ExportQuery, GroupBy, LocatedPage, QueryFilter, UsageDimension } from './queries.ts';
import { refOf } from './seq.ts';

/** SQL text and its positional parameters, built together so they cannot drift. */
/** Every parameter is text: numbers and times are validated and inlined as literals. */
export class Sql {
  readonly params: string[] = [];
  private readonly clauses: string[] = [];
  param(value: string): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  /** `column IN ($n, …)` over the values. */
  in(column: string, values: readonly string[]): string {
    return `${column} IN (${values.map((v) => this.param(v)).join(', ')})`;
  }
  where(clause: string): void {
    this.clauses.push(clause);
  }
  get whereSql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/**
 * The WHERE clause of a query filter over a table with tenant_id, app_id and
 * occurred_at, plus — unless `eventColumns` is false — name, category and late.
 * `time` turns validated Unix milliseconds into the engine's timestamp literal.
 */
export function filterSql(f: QueryFilter, time: (ms: number) => string, eventColumns = true): Sql {
  const sql = new Sql();
  sql.where(`tenant_id = ${sql.param(f.tenantId)}`);
  if (f.appIds?.length) sql.where(sql.in('app_id', f.appIds));
  if (eventColumns) {
    if (f.names?.length) sql.where(sql.in('name', f.names));
    if (f.categories?.length) sql.where(sql.in('category', f.categories));
    if (f.late !== undefined) sql.where(f.late ? 'late' : 'NOT late');
  }
  if (f.from !== undefined) sql.where(`occurred_at >= ${time(f.from)}`);
  if (f.to !== undefined) sql.where(`occurred_at < ${time(f.to)}`);
  return sql;
}

/** How an engine says the times a located page orders by. */
export interface LocateTime {
  /** Its name for a 64-bit integer. */
  bigint: string;
  /** A validated instant as a timestamp literal. */
  time: (ms: number) => string;
  /** `occurred_at` as Unix milliseconds. */
  ms: string;
}

/** A cursor of the `latest` order: the last event's time and seq. */
const LATEST_CURSOR = /^([0-9]{1,16})-([0-9]{1,19})$/;

/**
 * The query that locates a page of events (export, timelines, the events explorer):
 * `filter` is the query filter's WHERE clause. Rows are (seq, t): t the event time in
 * Unix ms, which the `latest` order's cursor holds with the seq.
 */
export function locateSql(filter: Sql, q: ExportQuery, e: LocateTime): string {
  if (q.userKeys?.length) filter.where(filter.in('user_key', q.userKeys));
  if (q.sources?.length) filter.where(filter.in('source', q.sources));
  if (q.seq !== undefined) filter.where(`seq = ${Math.trunc(q.seq)}::${e.bigint}`);
  const limit = `LIMIT ${Math.trunc(q.limit)}`;
  if (q.order === 'latest') {
    const m = q.after === undefined ? null : LATEST_CURSOR.exec(q.after);
    if (m) {
      const [t, seq] = [Number(m[1]), Math.trunc(Number(m[2]))];
      filter.where(
        `(occurred_at < ${e.time(t)} OR (occurred_at = ${e.time(t)} AND seq < ${seq}::${e.bigint}))`,
      );
    }
    return `SELECT seq, ${e.ms} AS t FROM events ${filter.whereSql} ORDER BY occurred_at DESC, seq DESC ${limit}`;
  }
  const newest = q.order === 'newest';
  // Cursors are seqs the store handed out, checked as digits by the routes.
  if (q.after !== undefined)
    filter.where(`seq ${newest ? '<' : '>'} ${Math.trunc(Number(q.after))}::${e.bigint}`);
  return `SELECT seq, ${e.ms} AS t FROM events ${filter.whereSql} ORDER BY seq${newest ? ' DESC' : ''} ${limit}`;
}

/** A located page from its rows (seq, t), with the cursor of its order for the next. */
export function locatedPage(rows: readonly { seq: number; t: number }[], q: ExportQuery): LocatedPage {
  const last = rows[rows.length - 1];
  const next =
    rows.length === q.limit && last !== undefined
      ? q.order === 'latest'
        ? `${last.t}-${last.seq}`
        : String(last.seq)
      : null;
  return { refs: rows.map((r) => refOf(r.seq)), next };
}

const DAY_MS = 86400_000;
const HOUR_MS = 3600_000;
const whole = (t: number | undefined, unit: number) => t === undefined || t % unit === 0;

/**
 * Whether a per-day rollup keyed by (tenant, app, day, user) can answer the query: whole
 * UTC days, filtered by app and time only.
 */
export function fitsDailyUserRollup(q: QueryFilter): boolean {
  return (
    !q.names?.length &&
    !q.categories?.length &&
    q.late === undefined &&
    whole(q.from, DAY_MS) &&
    whole(q.to, DAY_MS)
  );
}

/** Whether an hourly rollup can answer the query's time bounds. */
export const wholeHours = (q: QueryFilter): boolean => whole(q.from, HOUR_MS) && whole(q.to, HOUR_MS);

/** The column (or expression) each `groupBy` of the counts query groups on, in both stores. */
export const GROUP_COLUMN: Record<GroupBy, string> = {
  name: 'name',
  app: 'app_id',
  source: 'source',
  user: 'user_key',
  category: 'category',
  targetApp: 'target_app',
  late: 'CAST(late AS VARCHAR)',
  company: 'company',
  domain: 'domain',
  environment: 'environment',
};

/** Dimensions of the usage query → columns. */
export const USAGE_COLUMN: Record<UsageDimension, string> = {
  company: 'company',
  domain: 'domain',
  resolvedBy: 'resolved_by',
  activityType: 'name',
  app: 'app_id',
  environment: 'environment',
};
