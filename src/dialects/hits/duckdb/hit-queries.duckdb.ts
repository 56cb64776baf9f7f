import type { QueryFilter } from '../../../store/queries.ts';
import { duckdbFilter } from '../../../store/duckdb/sql.duckdb.ts';
import type { HitSql } from '../hit-queries.port.ts';

/** The hits table has tenant, app and time; names, categories and lateness are the events table's. */
const filter = (f: QueryFilter) => duckdbFilter(f, false);

/** The hit queries in DuckDB's SQL. */
export const duckdbHitSql: HitSql = {
  mediaUsage(q) {
    const sql = filter(q);
    return {
      sql: `SELECT media,
                   count(*) FILTER (WHERE type = 'DOWNLOAD')::DOUBLE AS downloads,
                   count(*) FILTER (WHERE type = 'VIEW')::DOUBLE AS views,
                   count(*) FILTER (WHERE type = 'PLAY')::DOUBLE AS plays,
                   count(*) FILTER (WHERE type = 'UPLOAD')::DOUBLE AS uploads,
                   coalesce(sum(watched_seconds) FILTER (WHERE type = 'PLAY'), 0)::DOUBLE AS watched
            FROM (SELECT unnest(medias) AS media, type, watched_seconds FROM hits ${sql.whereSql})
            GROUP BY media ORDER BY media`,
      params: sql.params,
    };
  },
  searchStats(q) {
    const sql = filter(q);
    sql.where(`type = 'SEARCH'`);
    return {
      sql: `SELECT search_type AS t, count(*)::DOUBLE AS n, avg(result_count)::DOUBLE AS avg
            FROM hits ${sql.whereSql} GROUP BY search_type ORDER BY search_type`,
      params: sql.params,
    };
  },
  connectionStats(q) {
    const sql = filter(q);
    sql.where(`type = 'CONNECTION'`);
    return {
      sql: `SELECT conn_mode AS mode, count(*)::DOUBLE AS n, count(*) FILTER (WHERE conn_success)::DOUBLE AS ok
            FROM hits ${sql.whereSql} GROUP BY conn_mode ORDER BY conn_mode`,
      params: sql.params,
    };
  },
  hitsByOrigin(q) {
    const sql = filter(q);
    return {
      sql: `SELECT origin, type, count(*)::DOUBLE AS n FROM hits ${sql.whereSql} GROUP BY ALL ORDER BY origin, type`,
      params: sql.params,
    };
  },
};
