import type { Sql } from '../../store/sql-builder.ts';
import type { InsightSql } from './insight-sql.ts';

function typed(sql: Sql, key: string, types: string, as = ''): string {
  const k = `${sql.param(key)}::text`;
  return `CASE WHEN jsonb_typeof(properties -> ${k}) IN ${types} THEN (properties ->> ${k})${as} END`;
}

export const postgresInsightSql: InsightSql = {
  text: (sql, key) => typed(sql, key, "('string')"),
  number: (sql, key) => typed(sql, key, "('number')", '::float8'),
  boolean: (sql, key) => typed(sql, key, "('boolean')", '::boolean'),
  isSet: (sql, key) => `coalesce(jsonb_typeof(properties -> ${sql.param(key)}::text) <> 'null', false)`,
  scalarText: (sql, key) => typed(sql, key, "('string', 'number', 'boolean')"),
  double: (param) => `${param}::float8`,
  bucket: (sql, interval, zone) =>
    `date_trunc('${interval}', occurred_at AT TIME ZONE ${sql.param(zone)}::text)`,
  label: (interval, column) =>
    `to_char(${column}, '${interval === 'hour' ? 'YYYY-MM-DD"T"HH24":00"' : 'YYYY-MM-DD'}')`,
  quantile: (expr, p) => `percentile_cont(${p}) WITHIN GROUP (ORDER BY ${expr})`,
  byteOrder: (expr) => `${expr} COLLATE "C"`,
  utcMidnight: (column) => `(${column}::timestamp AT TIME ZONE 'UTC')`,
  ms: '(extract(epoch FROM occurred_at) * 1000)::bigint',
  textType: 'text',
};
