/**
 * Funnels in SQL, the same text for both engines: each start of the first step in the
 * range is followed step by step to the earliest event of the next one (LATERAL … LIMIT 1)
 * within the window from the start; each person keeps the attempt that went furthest
 * (the earliest of those); then each step's counts and times, per breakdown value.
 */
import { Sql } from '../../../store/sql-builder.ts';
import { conditionSql, eventMatchSql, eventsFrom, scalarOf } from '../../sql/conditions.ts';
import { usesTraits } from '../../definition/resolved.ts';
import type { InsightEngine } from '../../sql/engine.ts';
import { whoCounts, type Who } from '../../sql/persons.ts';
import type { BreakdownKey } from '../trends/trends.result.ts';
import type { ResolvedFunnels } from './funnels.resolve.ts';
import type { FunnelGroup, FunnelsResult, FunnelStepResult } from './funnels.result.ts';

const DOUBLE = 'DOUBLE PRECISION';

/** The events a funnel reads: who, when (ms, seq), which steps each matches, the breakdown value. */
function eventsSql(sql: Sql, e: InsightEngine, q: ResolvedFunnels, counted: Who): string {
  const marks = q.steps.map(
    (s, i) =>
      `(${[eventMatchSql(sql, s.events), ...[...q.conditions, ...s.conditions].map((c) => conditionSql(sql, e.sql, c))].join(' AND ')}) AS m${i}`,
  );
  const f = q.breakdown?.field;
  const k = f ? scalarOf(sql, e.sql, f) : `CAST(NULL AS ${e.sql.textType})`;
  const traits = usesTraits([
    f,
    ...q.conditions.map((c) => c.field),
    ...q.steps.flatMap((st) => st.conditions.map((c) => c.field)),
  ]);
  const { who, join: persons } = counted;
  const where = [
    `tenant_id = ${sql.param(q.tenantId)}`,
    `occurred_at >= ${e.time(q.span.from)}`,
    `occurred_at < ${e.time(q.span.to + q.windowMs + 1)}`,
  ];
  const inner = `SELECT ${e.sql.ms} AS t, seq AS q, tenant_id, user_key, company, ${marks.join(', ')}, ${k} AS k
                 FROM ${eventsFrom(traits)} WHERE ${where.join(' AND ')}`;
  // Strict order: the person's events between two steps are every event of theirs, so all are read.
  const any = q.steps.map((_, i) => `m${i}`).join(' OR ');
  return `SELECT ${who} AS who, t, q, k, ${q.steps.map((_, i) => `m${i}`).join(', ')}
          ${q.order === 'strict' ? `, row_number() OVER (PARTITION BY ${who} ORDER BY t, q) AS n` : ''}
          FROM (${inner}) x ${persons}
          WHERE ${who} IS NOT NULL ${q.order === 'strict' ? '' : `AND (${any})`}`;
}

/**
 * The attempts: every start in the range (ts, qs) with the time of each step reached
 * (NULL: not reached). In order (ordered, strict) a start is the first step, and each
 * next step follows the one before; in any order a start is any step's event, and each
 * step counts if one of its events lies in the window from the start.
 */
function attemptsSql(q: ResolvedFunnels): string {
  const strict = q.order === 'strict';
  const any = q.order === 'any';
  const w = Math.trunc(q.windowMs);
  const first = any ? 0 : 1;
  const ctes = [
    `a0 AS (SELECT who, k, t AS ts, q AS qs${any ? '' : `, t AS t0, q AS q0`}${strict ? ', n AS n0' : ''} FROM ev
            WHERE ${any ? 'true' : 'm0'} AND t < ${Math.trunc(q.span.to)})`,
  ];
  for (let i = first; i < q.steps.length; i++) {
    const after = any
      ? '(x.t > a.ts OR (x.t = a.ts AND x.q >= a.qs))'
      : strict
        ? `x.n = a.n${i - 1} + 1`
        : `(x.t > a.t${i - 1} OR (x.t = a.t${i - 1} AND x.q > a.q${i - 1}))`;
    const from = i === first ? 'a0' : `s${i - 1}`;
    ctes.push(`s${i} AS (
      SELECT a.*, f.t AS t${i}, f.q AS q${i}${strict ? `, f.n AS n${i}` : ''} FROM ${from} a
      LEFT JOIN LATERAL (
        SELECT x.t, x.q${strict ? ', x.n' : ''} FROM ev x
        WHERE x.who = a.who AND x.m${i} AND ${after} AND x.t <= a.ts + ${w}
        ORDER BY x.t, x.q LIMIT 1) f ON true)`);
  }
  return ctes.join(',\n');
}

/**
 * How far an attempt went: the steps reached. In order, a step's time is NULL once one
 * before it is missed (its lateral had nothing to follow), so this counts the steps in turn.
 */
function levelSql(q: ResolvedFunnels): string {
  const reached = q.steps.map((_, i) => i).slice(q.order === 'any' ? 0 : 1);
  return `${q.order === 'any' ? '0' : '1'} + ${reached.map((i) => `(CASE WHEN t${i} IS NULL THEN 0 ELSE 1 END)`).join(' + ')}`;
}

export async function runFunnels(e: InsightEngine, q: ResolvedFunnels): Promise<FunnelsResult> {
  const sql = new Sql();
  const n = q.steps.length;
  const best = `
    WITH ev AS (${eventsSql(sql, e, q, await whoCounts(e, q.tenantId, q.unit))}),
    ${attemptsSql(q)},
    scored AS (SELECT *, ${levelSql(q)} AS level FROM s${n - 1}),
    best AS (SELECT * FROM (
      SELECT *, row_number() OVER (PARTITION BY who ORDER BY level DESC, ts, qs) AS r FROM scored) b WHERE r = 1)`;
  const limit = q.breakdown ? q.breakdown.limit : 0;
  // Top values by persons entering, ties by their bytes, none last; the rest are "other".
  const ranked = q.breakdown
    ? `, top AS (SELECT k FROM best GROUP BY k ORDER BY count(*) DESC, ${e.sql.byteOrder('k')} NULLS LAST LIMIT ${limit}),
       grouped AS (SELECT best.*, NOT EXISTS (SELECT 1 FROM top WHERE top.k IS NOT DISTINCT FROM best.k) AS o FROM best)`
    : ', grouped AS (SELECT best.*, false AS o FROM best)';
  const columns = q.steps.flatMap((_, i) => {
    const reached = `count(CASE WHEN level >= ${i + 1} THEN 1 END)`;
    if (i === 0 || q.order === 'any')
      return [
        `CAST(${reached} AS ${DOUBLE}) AS c${i}`,
        `CAST(NULL AS ${DOUBLE}) AS md${i}`,
        `CAST(NULL AS ${DOUBLE}) AS p${i}`,
      ];
    const seconds = `CASE WHEN level >= ${i + 1} THEN (t${i} - t${i - 1}) / 1000.0 END`;
    return [
      `CAST(${reached} AS ${DOUBLE}) AS c${i}`,
      `CAST(${e.sql.quantile(seconds, 0.5)} AS ${DOUBLE}) AS md${i}`,
      `CAST(${e.sql.quantile(seconds, 0.9)} AS ${DOUBLE}) AS p${i}`,
    ];
  });
  const rows = await e.reader.select(
    `${best}${ranked}
     SELECT o, g AS k, ${columns.join(', ')}
     FROM (SELECT *, CASE WHEN o THEN NULL ELSE k END AS g FROM grouped) x GROUP BY o, g
     ORDER BY o, c0 DESC, ${e.sql.byteOrder('g')} NULLS LAST`,
    sql.params,
  );
  const groups: FunnelGroup[] = rows.map((r) => {
    const counts = q.steps.map((_, i) => Number(r[`c${i}`]));
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    const steps: FunnelStepResult[] = q.steps.map((s, i) => {
      const converted = i + 1 < n ? counts[i + 1]! : counts[i]!;
      return {
        step: i,
        label: s.label,
        entered: counts[i]!,
        converted,
        dropped: counts[i]! - converted,
        conversionFromFirst: counts[0] ? counts[i]! / counts[0] : null,
        conversionFromPrevious:
          i === 0 ? (counts[0] ? 1 : null) : counts[i - 1] ? counts[i]! / counts[i - 1]! : null,
        medianSecondsFromPrevious: num(r[`md${i}`]),
        p90SecondsFromPrevious: num(r[`p${i}`]),
      };
    });
    const key: BreakdownKey | undefined = !q.breakdown
      ? undefined
      : r.o === true
        ? { other: true }
        : { value: r.k === null ? null : String(r.k) };
    return { ...(key ? { breakdown: key } : {}), steps };
  });
  return {
    kind: 'funnels',
    timezone: q.zone,
    range: { from: new Date(q.span.from).toISOString(), to: new Date(q.span.to).toISOString() },
    windowSeconds: q.windowMs / 1000,
    order: q.order,
    unit: q.unit,
    groups: q.breakdown ? groups : groups.length ? groups : [emptyGroup(q)],
  };
}

/** The answer when no one entered: every step at 0. */
function emptyGroup(q: ResolvedFunnels): FunnelGroup {
  return {
    steps: q.steps.map((s, i) => ({
      step: i,
      label: s.label,
      entered: 0,
      converted: 0,
      dropped: 0,
      conversionFromFirst: null,
      conversionFromPrevious: null,
      medianSecondsFromPrevious: null,
      p90SecondsFromPrevious: null,
    })),
  };
}
