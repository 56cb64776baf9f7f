/**
 * Retention in SQL, one text for both engines: each person's cohort periods (their first
 * start event ever, or every period with one), the periods they came back in, joined
 * and counted per (cohort, period); the table, its empty and future cells and the
 * average curve are put together here.
 */
import { Sql } from '../../../store/sql-builder.ts';
import { conditionSql, eventMatchSql, eventsFrom } from '../../sql/conditions.ts';
import { usesTraits } from '../../definition/resolved.ts';
import type { InsightEngine } from '../../sql/engine.ts';
import { whoCounts } from '../../sql/persons.ts';
import type { ResolvedRetention, RetentionEvent } from './retention.resolve.ts';

export interface RetentionCohort {
  /** The cohort's period, by its local start. */
  cohort: string;
  size: number;
  /** Per period from the cohort's own (period 0: the cohort's size); null for periods still to come. */
  values: (number | null)[];
}

export interface RetentionResult {
  kind: 'retention';
  timezone: string;
  period: string;
  cohort: string;
  unit: string;
  range: { from: string; to: string };
  cohorts: RetentionCohort[];
  /** Per period: of every cohort that has lived it, the share who came back (sizes weigh in). */
  average: (number | null)[];
}

function matchSql(sql: Sql, e: InsightEngine, q: ResolvedRetention, m: RetentionEvent): string {
  return `(${[eventMatchSql(sql, m.events), ...[...q.conditions, ...m.conditions].map((c) => conditionSql(sql, e.sql, c))].join(' AND ')})`;
}

const DAY_MS = 86_400_000;

/** Any event to start and to return, for persons, in UTC, over whole days: what the daily rollup holds. */
function fitsDailyRollup(q: ResolvedRetention): boolean {
  const any = (m: RetentionEvent) => m.events.all && m.conditions.length === 0;
  return (
    any(q.start) &&
    any(q.return) &&
    q.conditions.length === 0 &&
    q.unit === 'person' &&
    q.zone === 'UTC' &&
    q.span.from % DAY_MS === 0 &&
    q.span.to % DAY_MS === 0
  );
}

export async function runRetention(e: InsightEngine, q: ResolvedRetention): Promise<RetentionResult> {
  const sql = new Sql();
  const bucket = e.sql.bucket(sql, q.period, q.zone);
  const start = matchSql(sql, e, q, q.start);
  const back = matchSql(sql, e, q, q.return);
  const { who, join: persons } = await whoCounts(e, q.tenantId, q.unit);
  const end = q.table[q.table.length - 1]!.to;
  const tenant = sql.param(q.tenantId);
  // First time: a person's first start event ever, so start events are read from the beginning.
  const startsFrom = q.cohort === 'first_time' ? '' : `AND occurred_at >= ${e.time(q.span.from)}`;
  // Who was active each UTC day (the daily_users rollup) answers "any event, then any
  // event" in UTC over whole days: a row per person and day instead of per event.
  const daily = fitsDailyRollup(q);
  const source = daily
    ? `SELECT tenant_id, user_key, NULL AS company, ${e.sql.utcMidnight('day')} AS occurred_at, true AS s, true AS r
       FROM daily_users WHERE tenant_id = ${tenant} AND day < ${e.time(end)}`
    : `SELECT tenant_id, user_key, company, occurred_at, ${start} AS s, ${back} AS r
       FROM ${eventsFrom(usesTraits([...q.conditions, ...q.start.conditions, ...q.return.conditions].map((c) => c.field)))}
       WHERE tenant_id = ${tenant} AND occurred_at < ${e.time(end)}`;
  const rows = await e.reader.select(
    `WITH ev AS NOT MATERIALIZED (
       SELECT ${who} AS who, occurred_at, s, r FROM (${source}) x ${persons}
       WHERE ${who} IS NOT NULL),
     firsts AS (
       ${
         q.cohort === 'first_time'
           ? `SELECT who, min(occurred_at) AS occurred_at FROM ev WHERE s GROUP BY who`
           : `SELECT who, occurred_at FROM ev WHERE s ${startsFrom}`
       }),
     starts AS (
       SELECT DISTINCT who, ${bucket} AS c FROM firsts
       WHERE occurred_at >= ${e.time(q.span.from)} AND occurred_at < ${e.time(q.span.to)}),
     returns AS (
       SELECT DISTINCT who, ${bucket} AS b FROM ev WHERE r AND occurred_at >= ${e.time(q.span.from)})
     SELECT ${e.sql.label(q.period, 'c')} AS c, NULL AS b, CAST(count(*) AS DOUBLE PRECISION) AS n FROM starts GROUP BY c
     UNION ALL
     SELECT ${e.sql.label(q.period, 'c')} AS c, ${e.sql.label(q.period, 'b')} AS b, CAST(count(*) AS DOUBLE PRECISION) AS n
     FROM starts JOIN returns USING (who) WHERE b > c GROUP BY c, b`,
    sql.params,
  );
  const sizes = new Map<string, number>();
  const cells = new Map<string, number>();
  for (const r of rows) {
    if (r.b === null) sizes.set(String(r.c), Number(r.n));
    else cells.set(`${String(r.c)} ${String(r.b)}`, Number(r.n));
  }
  const cohorts: RetentionCohort[] = q.table.slice(0, q.cohorts).map((p, i) => {
    const size = sizes.get(p.label) ?? 0;
    const values = Array.from({ length: q.periods }, (_, k) => {
      const later = q.table[i + k]!;
      if (later.from > q.now) return null;
      return k === 0 ? size : (cells.get(`${p.label} ${later.label}`) ?? 0);
    });
    return { cohort: p.label, size, values };
  });
  const average = Array.from({ length: q.periods }, (_, k) => {
    let back = 0;
    let size = 0;
    for (const c of cohorts)
      if (c.values[k] !== null && c.size > 0) {
        back += c.values[k]!;
        size += c.size;
      }
    return size ? back / size : null;
  });
  return {
    kind: 'retention',
    timezone: q.zone,
    period: q.period,
    cohort: q.cohort,
    unit: q.unit,
    range: { from: new Date(q.span.from).toISOString(), to: new Date(q.span.to).toISOString() },
    cohorts,
    average,
  };
}
