/**
 * What differs between the engines in an insight's SQL: reading a JSON property,
 * bucketing local time, quantiles, byte-order sorting. The kinds write their SQL once
 * over this; each engine's file (duckdb.ts, postgres.ts) says it in its dialect.
 */
import type { Sql } from '../../store/sql-builder.ts';
import type { Interval } from '../definition/time-range.ts';

/** The JSON columns a field reads: the event's properties, or its person's traits. */
export type JsonColumn = 'properties' | 'traits';

export interface InsightSql {
  /** The key of the JSON column (`properties` unless said) when it is a JSON string, else NULL. */
  text(sql: Sql, key: string, json?: JsonColumn): string;
  /** …when it is a JSON number, as a double, else NULL. */
  number(sql: Sql, key: string, json?: JsonColumn): string;
  /** …when it is a JSON boolean, else NULL. */
  boolean(sql: Sql, key: string, json?: JsonColumn): string;
  /** Whether it is there and not JSON null. */
  isSet(sql: Sql, key: string, json?: JsonColumn): string;
  /** Its text when it is a string, number or boolean (as JSON writes them), else NULL: a breakdown's value. */
  scalarText(sql: Sql, key: string, json?: JsonColumn): string;
  /** A parameter's text read as a double. */
  double(param: string): string;
  /** The local start of the bucket of `occurred_at` in `zone` (in UTC, without a conversion per row). */
  bucket(sql: Sql, interval: Interval, zone: string): string;
  /** A bucket start as its label (time-range.ts bucketLabel). */
  label(interval: Interval, column: string): string;
  /** The continuous quantile `p` (linear interpolation) of `expr`. */
  quantile(expr: string, p: number): string;
  /** `expr` sorted by its bytes, whatever the collation. */
  byteOrder(expr: string): string;
  /** A UTC DATE column as the timestamp of its midnight, of the type `occurred_at` has. */
  utcMidnight(column: string): string;
  /** `occurred_at` as Unix milliseconds (an integer). */
  ms: string;
  /** The type of SQL text values, for a typed NULL. */
  textType: string;
}
