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

export function insightEngine(reader: StoreReader): InsightEngine {
  return reader.engine === 'duckdb'
    ? { reader, sql: duckdbInsightSql, time: duckdbTime }
    : { reader, sql: postgresInsightSql, time: postgresTime };
}
