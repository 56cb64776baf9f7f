/**
 * Filters and event matches as SQL over the events table. Every value a client sent is
 * a parameter; the semantics (docs/insights.md "Filters") are the reference's too:
 * a text value compares with text properties only, a number with numbers, a boolean with
 * booleans; `!=` holds where the property is absent; `contains` is case-sensitive.
 */
import type { Sql } from '../../store/sql-builder.ts';
import type { Scalar } from '../definition/definition.schema.ts';
import type { Condition, EventMatch, FieldRef } from '../definition/resolved.ts';
import type { InsightSql, JsonColumn } from './insight-sql.ts';

/** The JSON column a property or trait field reads. */
export const jsonOf = (f: Exclude<FieldRef, { kind: 'column' }>): JsonColumn =>
  f.kind === 'trait' ? 'traits' : 'properties';

/** A field's value as text for a breakdown: a column's, or a property's or trait's scalar. */
export const scalarOf = (sql: Sql, d: InsightSql, f: FieldRef): string =>
  f.kind === 'column' ? f.column : d.scalarText(sql, f.key, jsonOf(f));

function equals(sql: Sql, d: InsightSql, field: FieldRef, value: Scalar): string {
  if (field.kind === 'column') return `${field.column} = ${sql.param(String(value))}`;
  const json = jsonOf(field);
  if (typeof value === 'string') return `${d.text(sql, field.key, json)} = ${sql.param(value)}`;
  if (typeof value === 'number')
    return `${d.number(sql, field.key, json)} = ${d.double(sql.param(String(value)))}`;
  return `${d.boolean(sql, field.key, json)} = ${value ? 'true' : 'false'}`;
}

/** One condition as a boolean expression that is never NULL. */
export function conditionSql(sql: Sql, d: InsightSql, c: Condition): string {
  const f = c.field;
  const textOf = () => (f.kind === 'column' ? f.column : d.text(sql, f.key, jsonOf(f)));
  const v = c.values[0];
  switch (c.op) {
    case '=':
      return `coalesce(${equals(sql, d, f, v!)}, false)`;
    case '!=':
      return `coalesce(NOT (${equals(sql, d, f, v!)}), true)`;
    case 'in':
      return `coalesce(${c.values.map((x) => `(${equals(sql, d, f, x)})`).join(' OR ')}, false)`;
    case 'contains':
      return `coalesce(strpos(${textOf()}, ${sql.param(String(v))}) > 0, false)`;
    case 'is set':
      return f.kind === 'column' ? `${f.column} IS NOT NULL` : d.isSet(sql, f.key, jsonOf(f));
    case 'is not set':
      return f.kind === 'column' ? `${f.column} IS NULL` : `NOT ${d.isSet(sql, f.key, jsonOf(f))}`;
    default: {
      // >, >=, <, <=: numbers (parse-common.ts refuses them on text columns).
      if (f.kind === 'column') throw new Error(`${c.op} on a column`);
      return `coalesce(${d.number(sql, f.key, jsonOf(f))} ${c.op} ${d.double(sql.param(String(v)))}, false)`;
    }
  }
}

/** The events a series counts. */
export function eventMatchSql(sql: Sql, m: EventMatch): string {
  if (m.all) return 'true';
  const parts: string[] = [];
  if (m.names.length) parts.push(sql.in('name', m.names));
  for (const p of m.prefixes) parts.push(`starts_with(name, ${sql.param(p)})`);
  return `(${parts.join(' OR ')})`;
}

/**
 * The events a query reads: the events table, or — when a field is a person's trait — the
 * events with their person's current traits beside them (`traits`), under the same name.
 */
export function eventsFrom(traits: boolean): string {
  return traits
    ? `(SELECT events.*, t.traits FROM events LEFT JOIN person_traits t
         ON t.tenant_id = events.tenant_id AND t.user_key = events.user_key) events`
    : 'events';
}

/** The WHERE of a series: the tenant and span, its events, the definition's and its own conditions. */
export function seriesWhere(
  sql: Sql,
  d: InsightSql,
  time: (ms: number) => string,
  q: { tenantId: string; span: { from: number; to: number }; conditions: readonly Condition[] },
  events: EventMatch,
  own: readonly Condition[],
): string {
  return [
    `tenant_id = ${sql.param(q.tenantId)}`,
    `occurred_at >= ${time(q.span.from)}`,
    `occurred_at < ${time(q.span.to)}`,
    eventMatchSql(sql, events),
    ...[...q.conditions, ...own].map((c) => conditionSql(sql, d, c)),
  ].join(' AND ');
}
