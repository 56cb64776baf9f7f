/**
 * Trends in SQL: a first query ranks the breakdown's values (when there is one), a second
 * aggregates each series per bucket and over the whole range in one pass (GROUPING SETS),
 * a third the same over the period before (compare). The empty buckets, the order of the
 * rows and the "other" row are the same for both engines, done here.
 */
import { Sql } from '../../../store/sql-builder.ts';
import type { Span } from '../../definition/time-range.ts';
import type { InsightEngine } from '../../sql/engine.ts';
import { whoCounts, type Who } from '../../sql/persons.ts';
import { eventsFrom, scalarOf, seriesWhere } from '../../sql/conditions.ts';
import { usesTraits } from '../../definition/resolved.ts';
import type { ResolvedTrends, TrendSeries } from './trends.resolve.ts';
import type { TrendMath } from './trends.schema.ts';
import type { BreakdownKey, TrendRow, TrendsResult } from './trends.result.ts';

const DOUBLE = 'DOUBLE PRECISION';

/** Whether a field of the definition is a person's trait. */
const traitsIn = (q: ResolvedTrends) =>
  usesTraits([
    q.breakdown?.field,
    ...q.conditions.map((c) => c.field),
    ...q.series.flatMap((s) => s.conditions.map((c) => c.field)),
  ]);

/** The breakdown's value of each event, NULL where it has none. */
function breakdownValue(sql: Sql, e: InsightEngine, q: ResolvedTrends): string {
  const f = q.breakdown!.field;
  return scalarOf(sql, e.sql, f);
}

/** The breakdown's values with the most events over every series, most first; one more than the limit says there are others. */
async function topValues(e: InsightEngine, q: ResolvedTrends): Promise<(string | null)[]> {
  const sql = new Sql();
  const where = q.series
    .map((s) => `(${seriesWhere(sql, e.sql, e.time, q, s.events, s.conditions)})`)
    .join(' OR ');
  const rows = await e.reader.select(
    `SELECT k, CAST(sum(count) AS ${DOUBLE}) AS n FROM (
       SELECT ${breakdownValue(sql, e, q)} AS k, count FROM ${eventsFrom(traitsIn(q))} WHERE ${where}) t
     GROUP BY k ORDER BY n DESC, ${e.sql.byteOrder('k')} NULLS LAST LIMIT ${q.breakdown!.limit + 1}`,
    sql.params,
  );
  return rows.map((r) => (r.k === null || r.k === undefined ? null : String(r.k)));
}

function aggregate(e: InsightEngine, math: TrendMath, persons: Who): string {
  switch (math) {
    case 'events':
      return 'sum(count)';
    case 'unique_persons':
      return `count(DISTINCT ${persons.who})`;
    case 'unique_companies':
      return 'count(DISTINCT company)';
    case 'median':
      return e.sql.quantile('num', 0.5);
    case 'p90':
      return e.sql.quantile('num', 0.9);
    default:
      return `${math}(num)`;
  }
}

/** One series' rows: (s, b, o, k, v), b NULL on the row of the whole range. */
function seriesSelect(
  sql: Sql,
  e: InsightEngine,
  q: ResolvedTrends,
  span: Span,
  index: number,
  s: TrendSeries,
  top: readonly (string | null)[] | null,
  who: Who,
): string {
  const bucket = e.sql.bucket(sql, q.interval, q.zone);
  const num = s.property === null ? 'NULL' : e.sql.number(sql, s.property);
  // The breakdown's value read once per event (k0), then placed among the top values or not.
  const k0 = top ? breakdownValue(sql, e, q) : `CAST(NULL AS ${e.sql.textType})`;
  let groups = 'false AS o, k0 AS k';
  if (top) {
    const values = top.filter((v) => v !== null);
    const inTop = [
      values.length ? `coalesce(k0 IN (${values.map((v) => sql.param(v)).join(', ')}), false)` : 'false',
      top.includes(null) ? 'k0 IS NULL' : 'false',
    ].join(' OR ');
    groups = `NOT (${inTop}) AS o, CASE WHEN ${inTop} THEN k0 END AS k`;
  }
  const where = seriesWhere(sql, e.sql, e.time, { ...q, span }, s.events, s.conditions);
  const persons = s.math === 'unique_persons' ? who.join : '';
  return `
    SELECT ${index} AS s, ${e.sql.label(q.interval, 'b')} AS b, o, k, CAST(${aggregate(e, s.math, who)} AS ${DOUBLE}) AS v
    FROM (SELECT b, ${groups}, count, tenant_id, user_key, company, num FROM (
            SELECT ${bucket} AS b, ${k0} AS k0, count, tenant_id, user_key, company, ${num} AS num
            FROM ${eventsFrom(traitsIn(q))} WHERE ${where}) y) x ${persons}
    GROUP BY GROUPING SETS ((b, o, k), (o, k))`;
}

type Cell = { values: Map<string, number | null>; total: number | null };

/** Every series' cells over `span`, by series and breakdown key. */
async function cells(
  e: InsightEngine,
  q: ResolvedTrends,
  span: Span,
  top: readonly (string | null)[] | null,
  who: Who,
): Promise<Map<string, Cell>> {
  const sql = new Sql();
  const text = q.series.map((s, i) => seriesSelect(sql, e, q, span, i, s, top, who)).join('\nUNION ALL\n');
  const out = new Map<string, Cell>();
  for (const r of await e.reader.select(text, sql.params)) {
    const key: BreakdownKey | null = !top
      ? null
      : r.o === true
        ? { other: true }
        : { value: r.k === null ? null : String(r.k) };
    const id = cellId(Number(r.s), key);
    let cell = out.get(id);
    if (!cell) out.set(id, (cell = { values: new Map(), total: null }));
    const v = r.v === null ? null : Number(r.v);
    if (r.b === null) cell.total = v;
    else cell.values.set(String(r.b), v);
  }
  return out;
}

const cellId = (series: number, key: BreakdownKey | null) => JSON.stringify([series, key]);

/** What a bucket without events shows: counts are 0, statistics of no values are null. */
const emptyOf = (math: TrendMath): number | null =>
  math === 'events' || math === 'unique_persons' || math === 'unique_companies' || math === 'sum' ? 0 : null;

function valuesOf(cell: Cell | undefined, labels: readonly string[], math: TrendMath) {
  const empty = emptyOf(math);
  const values = labels.map((l) => cell?.values.get(l) ?? empty);
  return { values, total: cell?.total ?? empty };
}

export async function runTrends(e: InsightEngine, q: ResolvedTrends): Promise<TrendsResult> {
  const top = q.breakdown ? await topValues(e, q) : null;
  const keys: (BreakdownKey | null)[] = top
    ? [
        ...top.slice(0, q.breakdown!.limit).map((value) => ({ value })),
        ...(top.length > q.breakdown!.limit ? [{ other: true as const }] : []),
      ]
    : [null];
  const shown = top?.slice(0, q.breakdown!.limit) ?? null;
  const who = q.series.some((s) => s.math === 'unique_persons')
    ? await whoCounts(e, q.tenantId, 'person')
    : { who: 'x.user_key', join: '' };
  const now = await cells(e, q, q.span, shown, who);
  const before = q.previous ? await cells(e, q, q.previous.span, shown, who) : null;
  const rows: TrendRow[] = [];
  q.series.forEach((s, i) => {
    for (const key of keys) {
      const id = cellId(i, key);
      rows.push({
        series: i,
        label: s.label,
        math: s.math,
        ...(key ? { breakdown: key } : {}),
        ...valuesOf(now.get(id), q.labels, s.math),
        ...(before ? { previous: valuesOf(before.get(id), q.previous!.labels, s.math) } : {}),
      });
    }
  });
  return {
    kind: 'trends',
    timezone: q.zone,
    interval: q.interval,
    range: { from: new Date(q.span.from).toISOString(), to: new Date(q.span.to).toISOString() },
    buckets: [...q.labels],
    ...(q.previous
      ? {
          previous: {
            range: {
              from: new Date(q.previous.span.from).toISOString(),
              to: new Date(q.previous.span.to).toISOString(),
            },
            buckets: [...q.previous.labels],
          },
        }
      : {}),
    series: rows,
  };
}
