import { byteOrder as C, epochMs, msLiteral } from '../../../store/postgres/sql.postgres.ts';
import { Sql } from '../../../store/sql-builder.ts';
import type { SessionSql } from '../session-queries.port.ts';

/** Sessions joined from their events at query time; the same rules as the embedded store's (duckdb/). */
function sessionsCte(
  sql: Sql,
  tenantId: string | null,
  appIds: readonly string[] | undefined,
  idle: string,
): string {
  const where = ["e.source = 'sessions'", 'e.session_id IS NOT NULL'];
  if (tenantId !== null) where.push(`e.tenant_id = ${sql.param(tenantId)}`);
  if (appIds?.length) where.push(sql.in('e.app_id', appIds));
  const first = (column: string, action: string) =>
    `(array_agg(${column} ORDER BY occurred_at) FILTER (WHERE a = '${action}'))[1]`;
  return `
    ev AS (SELECT e.tenant_id, e.app_id, e.session_id, e.session_action AS a, e.name, e.occurred_at, x.entities
           FROM events e LEFT JOIN session_entities x ON x.seq = e.seq WHERE ${where.join(' AND ')}),
    agg AS (
      SELECT tenant_id, app_id, session_id,
             ${first('name', 'START')} AS type,
             min(occurred_at) FILTER (WHERE a = 'START') AS started_at,
             min(occurred_at) FILTER (WHERE a = 'END') AS ended_at,
             count(*) FILTER (WHERE a = 'START') AS starts,
             count(*) FILTER (WHERE a = 'END') AS ends,
             max(occurred_at) AS last_at,
             ${first('entities', 'START')} AS start_entities,
             ${first('entities', 'END')} AS end_entities
      FROM ev GROUP BY tenant_id, app_id, session_id),
    upd AS (
      SELECT e.tenant_id, e.app_id, e.session_id, count(*) AS updates
      FROM ev e JOIN agg s USING (tenant_id, app_id, session_id)
      WHERE e.a = 'UPDATE' AND e.occurred_at >= s.started_at
        AND (s.ended_at IS NULL OR e.occurred_at <= s.ended_at)
      GROUP BY 1, 2, 3),
    sessions AS (
      SELECT s.*, coalesce(u.updates, 0) AS updates,
             CASE WHEN s.starts = 0 THEN 'waiting_for_start'
                  WHEN s.ends > 0 THEN 'closed'
                  WHEN ${epochMs('s.last_at')} + ${idle} THEN 'timed_out'
                  ELSE 'open' END AS state,
             (${epochMs('CASE WHEN s.ends > 0 THEN s.ended_at ELSE s.last_at END')} - ${epochMs('s.started_at')}) / 1000.0
               AS duration_s
      FROM agg s LEFT JOIN upd u USING (tenant_id, app_id, session_id))`;
}

/** `last_at + idle < now`, with the integers inlined. */
const idleClause = (q: { idleMs: number; now: number }) => `${Math.trunc(q.idleMs)} < ${Math.trunc(q.now)}`;

/** The session queries in PostgreSQL's SQL. */
export const pgSessionSql: SessionSql = {
  stats(q) {
    const sql = new Sql();
    const cte = sessionsCte(sql, q.tenantId, q.appIds, idleClause(q));
    const where = ["state IN ('closed', 'timed_out', 'open')"];
    if (q.from !== undefined) where.push(`started_at >= ${msLiteral(q.from)}`);
    if (q.to !== undefined) where.push(`started_at < ${msLiteral(q.to)}`);
    if (q.types?.length) where.push(sql.in('type', q.types));
    const closed = "FILTER (WHERE state = 'closed')";
    return {
      sql: `WITH ${cte}
         SELECT type,
                count(*) ${closed}::float8 AS sessions,
                coalesce(sum(duration_s) ${closed}, 0)::float8 AS total,
                (percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_s) ${closed})::float8 AS p50,
                (percentile_cont(0.9) WITHIN GROUP (ORDER BY duration_s) ${closed})::float8 AS p90,
                count(*) FILTER (WHERE state = 'open')::float8 AS open,
                count(*) FILTER (WHERE state = 'timed_out')::float8 AS timed_out
         FROM sessions WHERE ${where.join(' AND ')} GROUP BY type ORDER BY ${C('type')}`,
      params: sql.params,
    };
  },
  list(q) {
    const sql = new Sql();
    const cte = sessionsCte(sql, q.tenantId, q.appIds, idleClause(q));
    const where = ['TRUE'];
    if (q.state === 'conflict') where.push('(starts > 1 OR ends > 1)');
    else if (q.state) where.push(`state = ${sql.param(q.state)}`);
    if (q.from !== undefined) where.push(`coalesce(started_at, ended_at) >= ${msLiteral(q.from)}`);
    if (q.to !== undefined) where.push(`coalesce(started_at, ended_at) < ${msLiteral(q.to)}`);
    if (q.types?.length) where.push(sql.in('type', q.types));
    return {
      sql: `WITH ${cte}
         SELECT app_id, session_id, type, state, ${epochMs('started_at')} AS started, ${epochMs('ended_at')} AS ended,
                ${epochMs('last_at')} AS last, duration_s, updates, starts, ends, start_entities::text AS start_entities,
                end_entities::text AS end_entities
         FROM sessions WHERE ${where.join(' AND ')}
         ORDER BY coalesce(started_at, ended_at), ${C('app_id')}, ${C('session_id')} LIMIT ${Math.trunc(q.limit)}`,
      params: sql.params,
    };
  },
  gauges(idleMs, now) {
    const sql = new Sql();
    const cte = sessionsCte(sql, null, undefined, idleClause({ idleMs, now }));
    return {
      sql: `WITH ${cte}
         SELECT count(*) FILTER (WHERE state = 'open')::float8 AS open,
                count(*) FILTER (WHERE state = 'timed_out')::float8 AS timed_out,
                (coalesce(sum(starts - 1) FILTER (WHERE starts > 1), 0)
                 + coalesce(sum(ends - 1) FILTER (WHERE ends > 1), 0))::float8 AS conflicts
         FROM sessions`,
      params: sql.params,
    };
  },
};
