import { msLiteral } from '../../../store/duckdb/sql.duckdb.ts';
import { Sql } from '../../../store/sql-builder.ts';
import type { SessionSql } from '../session-queries.port.ts';

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
    ev AS (SELECT tenant_id, app_id, session_id, session_action AS a, name, occurred_at, x.entities
           FROM events LEFT JOIN session_entities x USING (seq) WHERE ${where.join(' AND ')}),
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

/** The session queries in DuckDB's SQL. */
export const duckdbSessionSql: SessionSql = {
  stats(q) {
    const sql = new Sql();
    const cte = sessionsCte(sql, q.tenantId, q.appIds);
    const where = ["state IN ('closed', 'timed_out', 'open')"];
    if (q.from !== undefined) where.push(`started_at >= ${msLiteral(q.from)}`);
    if (q.to !== undefined) where.push(`started_at < ${msLiteral(q.to)}`);
    if (q.types?.length) where.push(`type IN (${q.types.map((t) => sql.param(t)).join(', ')})`);
    return {
      sql: withIdle(
        `WITH ${cte}
           SELECT type,
                  count(*) FILTER (WHERE state = 'closed')::DOUBLE AS sessions,
                  coalesce(sum(duration_s) FILTER (WHERE state = 'closed'), 0)::DOUBLE AS total,
                  quantile_cont(duration_s, 0.5) FILTER (WHERE state = 'closed')::DOUBLE AS p50,
                  quantile_cont(duration_s, 0.9) FILTER (WHERE state = 'closed')::DOUBLE AS p90,
                  count(*) FILTER (WHERE state = 'open')::DOUBLE AS open,
                  count(*) FILTER (WHERE state = 'timed_out')::DOUBLE AS timed_out
           FROM sessions WHERE ${where.join(' AND ')} GROUP BY type ORDER BY type`,
        q,
      ),
      params: sql.params,
    };
  },
  list(q) {
    const sql = new Sql();
    const cte = sessionsCte(sql, q.tenantId, q.appIds);
    const where = ['TRUE'];
    if (q.state === 'conflict') where.push('(starts > 1 OR ends > 1)');
    else if (q.state) where.push(`state = ${sql.param(q.state)}`);
    if (q.from !== undefined) where.push(`coalesce(started_at, ended_at) >= ${msLiteral(q.from)}`);
    if (q.to !== undefined) where.push(`coalesce(started_at, ended_at) < ${msLiteral(q.to)}`);
    if (q.types?.length) where.push(`type IN (${q.types.map((t) => sql.param(t)).join(', ')})`);
    return {
      sql: withIdle(
        `WITH ${cte}
           SELECT app_id, session_id, type, state, epoch_ms(started_at)::DOUBLE AS started,
                  epoch_ms(ended_at)::DOUBLE AS ended, epoch_ms(last_at)::DOUBLE AS last,
                  duration_s::DOUBLE AS duration_s, updates::DOUBLE AS updates, starts::DOUBLE AS starts,
                  ends::DOUBLE AS ends, start_entities::VARCHAR AS start_entities,
                  end_entities::VARCHAR AS end_entities
           FROM sessions WHERE ${where.join(' AND ')}
           ORDER BY coalesce(started_at, ended_at), app_id, session_id LIMIT ${Math.trunc(q.limit)}`,
        q,
      ),
      params: sql.params,
    };
  },
  gauges(idleMs, now) {
    const sql = new Sql();
    const cte = sessionsCte(sql, null);
    return {
      sql: withIdle(
        `WITH ${cte}
           SELECT count(*) FILTER (WHERE state = 'open')::DOUBLE AS open,
                  count(*) FILTER (WHERE state = 'timed_out')::DOUBLE AS timed_out,
                  (coalesce(sum(starts - 1) FILTER (WHERE starts > 1), 0)
                   + coalesce(sum(ends - 1) FILTER (WHERE ends > 1), 0))::DOUBLE AS conflicts
           FROM sessions`,
        { idleMs, now },
      ),
      params: sql.params,
    };
  },
};
