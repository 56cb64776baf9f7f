import type { StoreReader } from '../../store/event-store.port.ts';
import { msLiteral as duckdbTime } from '../../store/duckdb/sql.duckdb.ts';
import { msLiteral as postgresTime } from '../../store/postgres/sql.postgres.ts';
import { duckdbInsightSql } from './duckdb.ts';
import type { InsightSql } from './insight-sql.ts';
import { postgresInsightSql } from './postgres.ts';

/** A store to ask, with its engine's way of saying an insight's SQL. */
export interface InsightEngine {
  reader: StoreReader;
  sql: InsightSql;
  /** A validated instant as the engine's timestamp literal. */
  time(ms: number): string;
}

/**
 * The store's reader for one insight: every query it runs shares one time budget, each
 * stopped at the deadline (`query_timeout`).
 */
export function insightEngine(store: StoreReader, deadline?: number): InsightEngine {
  const reader: StoreReader =
    deadline === undefined
      ? store
      : {
          engine: store.engine,
          select: (sql, params) =>
            store.select(sql, params, { timeoutMs: Math.max(1, deadline - Date.now()) }),
        };
  return reader.engine === 'duckdb'
    ? { reader, sql: duckdbInsightSql, time: duckdbTime }
    : { reader, sql: postgresInsightSql, time: postgresTime };
}
