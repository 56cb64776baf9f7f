import type { Sql } from '../../store/sql-builder.ts';
import type { InsightSql, JsonColumn } from './insight-sql.ts';

/** A JSON pointer (RFC 6901) to a top-level key: DuckDB's paths, without its `$.` syntax's quoting. */
const pointer = (key: string): string => `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
const NUMBER = "('BIGINT', 'UBIGINT', 'DOUBLE')";

/** The JSON type of the property, then its value: the type is read only where the value matched. */
function typed(sql: Sql, key: string, json: JsonColumn, types: string, as = ''): string {
  const path = sql.param(pointer(key));
  return `CASE WHEN json_type(${json}, ${path}) IN ${types} THEN json_extract_string(${json}, ${path})${as} END`;
}

export const duckdbInsightSql: InsightSql = {
  text: (sql, key, json = 'properties') => typed(sql, key, json, "('VARCHAR')"),
  number: (sql, key, json = 'properties') => typed(sql, key, json, NUMBER, '::DOUBLE'),
  boolean: (sql, key, json = 'properties') => typed(sql, key, json, "('BOOLEAN')", '::BOOLEAN'),
  isSet: (sql, key, json = 'properties') =>
    `coalesce(json_type(${json}, ${sql.param(pointer(key))}) <> 'NULL', false)`,
  scalarText: (sql, key, json = 'properties') =>
    typed(sql, key, json, "('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN')"),
  double: (param) => `${param}::DOUBLE`,
  // occurred_at is UTC without a zone: made an instant, then read on the zone's clocks.
  bucket: (sql, interval, zone) =>
    zone === 'UTC'
      ? `date_trunc('${interval}', occurred_at)`
      : `date_trunc('${interval}', timezone(${sql.param(zone)}, occurred_at AT TIME ZONE 'UTC'))`,
  label: (interval, column) =>
    `strftime(${column}, '${interval === 'hour' ? '%Y-%m-%dT%H:00' : '%Y-%m-%d'}')`,
  quantile: (expr, p) => `quantile_cont(${expr}, ${p})`,
  byteOrder: (expr) => expr,
  utcMidnight: (column) => `CAST(${column} AS TIMESTAMP)`,
  ms: 'epoch_ms(occurred_at)',
  textType: 'VARCHAR',
};
