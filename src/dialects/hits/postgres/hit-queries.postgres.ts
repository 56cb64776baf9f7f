import type { QueryFilter } from '../../../store/queries.ts';
import { byteOrder as C, pgFilter } from '../../../store/postgres/sql.postgres.ts';
import type { HitSql } from '../hit-queries.port.ts';

/** The hits table has tenant, app and time; names, categories and lateness are the events table's. */
const filter = (f: QueryFilter) => pgFilter(f, false);

/** The hit queries in PostgreSQL's SQL (text sorted byte-wise, as DuckDB does). */
export const pgHitSql: HitSql = {
  mediaUsage(q) {
    const sql = filter(q);
    return {
      sql: `SELECT media,
                   count(*) FILTER (WHERE type = 'DOWNLOAD')::float8 AS downloads,
                   count(*) FILTER (WHERE type = 'VIEW')::float8 AS views,
                   count(*) FILTER (WHERE type = 'PLAY')::float8 AS plays,
                   count(*) FILTER (WHERE type = 'UPLOAD')::float8 AS uploads,
                   coalesce(sum(watched_seconds) FILTER (WHERE type = 'PLAY'), 0)::float8 AS watched
            FROM (SELECT unnest(medias) AS media, type, watched_seconds FROM hits ${sql.whereSql}) x
            GROUP BY media ORDER BY ${C('media')}`,
      params: sql.params,
    };
  },
  searchStats(q) {
    const sql = filter(q);
    sql.where(`type = 'SEARCH'`);
    return {
      sql: `SELECT search_type AS t, count(*)::float8 AS n, avg(result_count)::float8 AS avg
            FROM hits ${sql.whereSql} GROUP BY search_type ORDER BY ${C('search_type')}`,
      params: sql.params,
    };
  },
  connectionStats(q) {
    const sql = filter(q);
    sql.where(`type = 'CONNECTION'`);
    return {
      sql: `SELECT conn_mode AS mode, count(*)::float8 AS n, count(*) FILTER (WHERE conn_success)::float8 AS ok
            FROM hits ${sql.whereSql} GROUP BY conn_mode ORDER BY ${C('conn_mode')}`,
      params: sql.params,
    };
  },
  hitsByOrigin(q) {
    const sql = filter(q);
    return {
      sql: `SELECT origin, type, count(*)::float8 AS n FROM hits ${sql.whereSql}
            GROUP BY 1, 2 ORDER BY origin, ${C('type')}`,
      params: sql.params,
    };
  },
};
