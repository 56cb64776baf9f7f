/**
 * A definition once checked and resolved: names of apps turned into ids, the range into
 * instants, filters into conditions. What the engines' SQL and the reference
 * implementation (test/insights/) both read; nothing here is a client's text unchecked.
 */
import type { Interval, Span } from './time-range.ts';
import type { Operator, Scalar } from './definition.schema.ts';

/** The columns of the events table a field may name, besides properties. */
export const FIELD_COLUMNS = { company: 'company', app: 'app_id', dialect: 'source' } as const;
export type FieldColumn = (typeof FIELD_COLUMNS)[keyof typeof FIELD_COLUMNS];

/** An event property, a trait of the person who did it (their current one), or a column. */
export type FieldRef =
  | { kind: 'property'; key: string }
  | { kind: 'trait'; key: string }
  | { kind: 'column'; column: FieldColumn };

/** Whether any of the fields is a person's trait: the query then reads persons' traits beside events. */
export const usesTraits = (fields: readonly (FieldRef | undefined | null)[]): boolean =>
  fields.some((f) => f?.kind === 'trait');

/** A filter: `values` holds one value for every operator but `in` (several) and `is (not) set` (none). */
export interface Condition {
  field: FieldRef;
  op: Operator;
  values: readonly Scalar[];
}

/** Which events a series counts: any of `names`, or a name starting with any of `prefixes`, or every event. */
export interface EventMatch {
  all: boolean;
  names: readonly string[];
  prefixes: readonly string[];
}

/** The tenant, time and filters every kind resolves the same way. */
export interface ResolvedCommon {
  tenantId: string;
  zone: string;
  span: Span;
  conditions: readonly Condition[];
}
export type { Interval, Span };
