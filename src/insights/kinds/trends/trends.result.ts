import type { TrendMath } from './trends.schema.ts';

/** A breakdown's value (null: events without one, "(none)" in the console), or every value past the top ones. */
export type BreakdownKey = { value: string | null } | { other: true };

export interface TrendValues {
  /** One per bucket, in the buckets' order. */
  values: (number | null)[];
  /** Over the whole range: for unique counts and statistics, not the sum of the buckets. */
  total: number | null;
}

export interface TrendRow extends TrendValues {
  series: number;
  label: string;
  math: TrendMath;
  breakdown?: BreakdownKey;
  /** The period before, as long (compare). */
  previous?: TrendValues;
}

export interface TrendsResult {
  kind: 'trends';
  timezone: string;
  interval: string;
  range: { from: string; to: string };
  /** Local bucket starts: `YYYY-MM-DD`, or `YYYY-MM-DDTHH:00` by the hour. */
  buckets: string[];
  previous?: { range: { from: string; to: string }; buckets: string[] };
  series: TrendRow[];
}
