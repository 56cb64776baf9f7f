import type { StoreReader } from '../../../store/event-store.port.ts';
import type { QueryFilter } from '../../../store/queries.ts';
import { byteOrder as C, pgFilter } from '../../../store/postgres/sql.postgres.ts';
import { num, type HitQueries } from '../hit-queries.port.ts';

/** The hits table has tenant, app and time; names, categories and lateness are the events table's. */
const filter = (f: QueryFilter) => pgFilter(f, false);

export function pgHitQueries(store: StoreReader): HitQueries {
  return {
    async mediaUsage(q) {
      const sql = filter(q);
      const rows = await store.select(
        `SELECT media,
                count(*) FILTER (WHERE type = 'DOWNLOAD')::float8 AS downloads,
                count(*) FILTER (WHERE type = 'VIEW')::float8 AS views,
                count(*) FILTER (WHERE type = 'PLAY')::float8 AS plays,
                count(*) FILTER (WHERE type = 'UPLOAD')::float8 AS uploads,
                coalesce(sum(watched_seconds) FILTER (WHERE type = 'PLAY'), 0)::float8 AS watched
         FROM (SELECT unnest(medias) AS media, type, watched_seconds FROM hits ${sql.whereSql}) x
         GROUP BY media ORDER BY ${C('media')}`,
        sql.params,
      );
      return rows.map((r) => ({
        media: String(r.media),
        downloads: num(r.downloads),
        views: num(r.views),
        plays: num(r.plays),
        uploads: num(r.uploads),
        secondsWatched: num(r.watched),
      }));
    },
    async searchStats(q) {
      const sql = filter(q);
      sql.where(`type = 'SEARCH'`);
      const rows = await store.select(
        `SELECT search_type AS t, count(*)::float8 AS n, avg(result_count)::float8 AS avg FROM hits ${sql.whereSql}
         GROUP BY search_type ORDER BY ${C('search_type')}`,
        sql.params,
      );
      return rows.map((r) => ({
        searchType: String(r.t),
        searches: num(r.n),
        averageResultCount: num(r.avg),
      }));
    },
    async connectionStats(q) {
      const sql = filter(q);
      sql.where(`type = 'CONNECTION'`);
      const rows = await store.select(
        `SELECT conn_mode AS mode, count(*)::float8 AS n, count(*) FILTER (WHERE conn_success)::float8 AS ok
         FROM hits ${sql.whereSql} GROUP BY conn_mode ORDER BY ${C('conn_mode')}`,
        sql.params,
      );
      return rows.map((r) => ({
        mode: String(r.mode),
        attempts: num(r.n),
        successes: num(r.ok),
        successRate: num(r.n) === 0 ? 0 : num(r.ok) / num(r.n),
      }));
    },
    async hitsByOrigin(q) {
      const sql = filter(q);
      const rows = await store.select(
        `SELECT origin, type, count(*)::float8 AS n FROM hits ${sql.whereSql}
         GROUP BY 1, 2 ORDER BY origin, ${C('type')}`,
        sql.params,
      );
      return rows.map((r) => ({ origin: num(r.origin), type: String(r.type), hits: num(r.n) }));
    },
  };
}
