import type { QueryFilter } from '../queries.ts';
import { filterSql, type Sql } from '../sql-builder.ts';

/** Times are validated integers by the time they get here; inlined as literals. */
export const msLiteral = (ms: number): string => `epoch_ms(${Math.trunc(ms)}::BIGINT)`;

/**
 * A query filter's WHERE clause in DuckDB's SQL: over the events table, or (with
 * `eventColumns` false) a table with tenant, app and time only.
 */
export const duckdbFilter = (f: QueryFilter, eventColumns = true): Sql =>
  filterSql(f, msLiteral, eventColumns);

export const BUCKET = (interval: 'minute' | 'hour' | 'day'): string =>
  `time_bucket(INTERVAL '1 ${interval}', occurred_at)`;
export const ISO = (column: string): string => `strftime(${column}, '%Y-%m-%dT%H:%M:%SZ')`;
