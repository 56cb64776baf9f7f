import type { QueryFilter } from '../queries.ts';
import { filterSql, type Sql } from '../sql-builder.ts';

/** Times are validated integers by the time they get here; inlined as literals. */
export const msLiteral = (ms: number): string => `to_timestamp(${Math.trunc(ms)}::bigint / 1000.0)`;
export const epochMs = (column: string): string => `(extract(epoch FROM ${column}) * 1000)::float8`;
export const ISO = (column: string): string => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
/** Text sorts byte-wise, as in the embedded store, whatever the database's collation. */
export const byteOrder = (column: string): string => `${column} COLLATE "C"`;

/**
 * A query filter's WHERE clause in PostgreSQL's SQL: over the events table, or (with
 * `eventColumns` false) a table with tenant, app and time only.
 */
export const pgFilter = (f: QueryFilter, eventColumns = true): Sql => filterSql(f, msLiteral, eventColumns);
