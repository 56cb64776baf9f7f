import type { SqlQuery, StoreReader } from '../../store/event-store.port.ts';
import { duckdbSessionSql } from './duckdb/session-queries.duckdb.ts';
import { pgSessionSql } from './postgres/session-queries.postgres.ts';
import type { SessionQueries, SessionSql, SessionState } from './session-queries.port.ts';

export type * from './session-queries.port.ts';

type Entity = { key: string; value: unknown };

/** A number (a time, a duration), or null. */
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const entitiesOf = (text: unknown): Entity[] =>
  text === null || text === undefined ? [] : (JSON.parse(String(text)) as Entity[]);

/** A session's entities: the START's, with the END's added over them. */
function mergedEntities(start: unknown, end: unknown): Entity[] {
  const merged = new Map<string, unknown>();
  for (const list of [entitiesOf(start), entitiesOf(end)])
    for (const { key, value } of list) merged.set(key, value);
  return [...merged].map(([key, value]) => ({ key, value }));
}

/** The session queries over a store, in its engine's SQL (entities: sessions.projection.ts). */
export function sessionQueries(store: StoreReader): SessionQueries {
  const sql: SessionSql = store.engine === 'duckdb' ? duckdbSessionSql : pgSessionSql;
  const rows = (q: SqlQuery) => store.select(q.sql, q.params);
  return {
    sessionStats: async (q) =>
      (await rows(sql.stats(q))).map((r) => ({
        type: String(r.type),
        sessions: Number(r.sessions),
        totalDurationSeconds: Number(r.total),
        p50DurationSeconds: numOrNull(r.p50),
        p90DurationSeconds: numOrNull(r.p90),
        open: Number(r.open),
        timedOut: Number(r.timed_out),
      })),
    sessions: async (q) =>
      (await rows(sql.list(q))).map((r) => ({
        app: String(r.app_id),
        session: String(r.session_id),
        type: r.type === null ? null : String(r.type),
        state: String(r.state) as SessionState,
        startedAt: numOrNull(r.started),
        endedAt: numOrNull(r.ended),
        lastEventAt: Number(r.last),
        durationSeconds: r.started === null || r.duration_s === null ? null : Number(r.duration_s),
        updates: Number(r.updates),
        starts: Number(r.starts),
        ends: Number(r.ends),
        entities: mergedEntities(r.start_entities, r.end_entities),
      })),
    sessionGauges: async (idleMs, now) => {
      const [r] = await rows(sql.gauges(idleMs, now));
      return {
        open: Number(r?.open ?? 0),
        timedOut: Number(r?.timed_out ?? 0),
        conflicts: Number(r?.conflicts ?? 0),
      };
    },
  };
}
