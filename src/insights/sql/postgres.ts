import type { Sql } from '../../store/sql-builder.ts';
import type { InsightSql, JsonColumn } from './insight-sql.ts';

function typed(sql: Sql, key: string, json: JsonColumn, types: string, as = ''): string {
  const k = `${sql.param(key)}::text`;
  return `CASE WHEN jsonb_typeof(${json} -> ${k}) IN ${types} THEN (${json} ->> ${k})${as} END`;
}

export const postgresInsightSql: InsightSql = {
  text: (sql, key, json = 'properties') => typed(sql, key, json, "('string')"),
  number: (sql, key, json = 'properties') => typed(sql, key, json, "('number')", '::float8'),
  boolean: (sql, key, json = 'properties') => typed(sql, key, json, "('boolean')", '::boolean'),
  isSet: (sql, key, json = 'properties') =>
    `coalesce(jsonb_typeof(${json} -> ${sql.param(key)}::text) <> 'null', false)`,
  scalarText: (sql, key, json = 'properties') => typed(sql, key, json, "('string', 'number', 'boolean')"),
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
