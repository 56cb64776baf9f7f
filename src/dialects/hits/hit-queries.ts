import type { SqlQuery, StoreReader } from '../../store/event-store.port.ts';
import { duckdbHitSql } from './duckdb/hit-queries.duckdb.ts';
import type { HitQueries, HitSql } from './hit-queries.port.ts';
import { pgHitSql } from './postgres/hit-queries.postgres.ts';

export type * from './hit-queries.port.ts';

/** A row's numbers come back as numbers, or as text (PostgreSQL's bigint): numbers here. */
const num = (v: unknown): number => Number(v);

/** The hit queries over a store, in its engine's SQL (the hits table is hits.projection.ts). */
export function hitQueries(store: StoreReader): HitQueries {
  const sql: HitSql = store.engine === 'duckdb' ? duckdbHitSql : pgHitSql;
  const rows = (q: SqlQuery) => store.select(q.sql, q.params);
  return {
    mediaUsage: async (q) =>
      (await rows(sql.mediaUsage(q))).map((r) => ({
        media: String(r.media),
        downloads: num(r.downloads),
        views: num(r.views),
        plays: num(r.plays),
        uploads: num(r.uploads),
        secondsWatched: num(r.watched),
      })),
    searchStats: async (q) =>
      (await rows(sql.searchStats(q))).map((r) => ({
        searchType: String(r.t),
        searches: num(r.n),
        averageResultCount: num(r.avg),
      })),
    connectionStats: async (q) =>
      (await rows(sql.connectionStats(q))).map((r) => ({
        mode: String(r.mode),
        attempts: num(r.n),
        successes: num(r.ok),
        successRate: num(r.n) === 0 ? 0 : num(r.ok) / num(r.n),
      })),
    hitsByOrigin: async (q) =>
      (await rows(sql.hitsByOrigin(q))).map((r) => ({
        origin: num(r.origin),
        type: String(r.type),
        hits: num(r.n),
      })),
  };
}
