/**
 * Insights computed by brute force over the events in memory: what both engines'
 * answers are compared with (docs/insights.md is the semantics, this its plainest
 * reading). It takes the same resolved definition as the engines: resolving is tested
 * on its own (time-range and definition tests).
 */
import { userKeyOf, type UsageEvent } from '../../src/domain/event.ts';
import type { Condition, EventMatch, FieldRef } from '../../src/insights/definition/resolved.ts';
import type { Scalar } from '../../src/insights/definition/definition.schema.ts';
import { bucketLabel, bucketStart, type Span } from '../../src/insights/definition/time-range.ts';
import { wallTime } from '../../src/insights/definition/zoned.ts';
import type { ResolvedTrends, TrendSeries } from '../../src/insights/kinds/trends/trends.resolve.ts';
import type { BreakdownKey, TrendRow, TrendsResult } from '../../src/insights/kinds/trends/trends.result.ts';

/** An event as the store holds it: properties through JSON, as the log wrote them. */
export interface StoredEvent extends UsageEvent {
  props: Record<string, unknown>;
}

export const stored = (e: UsageEvent): StoredEvent => ({
  ...e,
  props: JSON.parse(JSON.stringify(e.properties)) as Record<string, unknown>,
});

/** The person each user key is (the store's user_persons), by tenant and key. */
export type Persons = ReadonlyMap<string, string>;
export const personKey = (tenantId: string, userKey: string) => `${tenantId}\u0000${userKey}`;

function column(e: StoredEvent, c: 'company' | 'app_id' | 'source'): string | null {
  return c === 'company' ? (e.context.company ?? null) : c === 'app_id' ? e.appId : e.source;
}

const prop = (e: StoredEvent, key: string): unknown =>
  Object.hasOwn(e.props, key) ? e.props[key] : undefined;
const textOf = (e: StoredEvent, f: FieldRef): string | null => {
  if (f.kind === 'column') return column(e, f.column);
  const v = prop(e, f.key);
  return typeof v === 'string' ? v : null;
};
const numberOf = (e: StoredEvent, key: string): number | null => {
  const v = prop(e, key);
  return typeof v === 'number' ? v : null;
};

function equals(e: StoredEvent, f: FieldRef, value: Scalar): boolean {
  if (f.kind === 'column') return column(e, f.column) === value;
  const v = prop(e, f.key);
  return typeof v === typeof value && v === value;
}

function holds(e: StoredEvent, c: Condition): boolean {
  const f = c.field;
  const v = c.values[0];
  switch (c.op) {
    case '=':
      return equals(e, f, v!);
    case '!=':
      return !equals(e, f, v!);
    case 'in':
      return c.values.some((x) => equals(e, f, x));
    case 'contains': {
      const t = textOf(e, f);
      return t !== null && t.includes(v as string);
    }
    case 'is set':
      return f.kind === 'column'
        ? column(e, f.column) !== null
        : prop(e, f.key) !== undefined && prop(e, f.key) !== null;
    case 'is not set':
      return !holds(e, { ...c, op: 'is set' });
    default: {
      const n = f.kind === 'property' ? numberOf(e, f.key) : null;
      if (n === null) return false;
      const x = v as number;
      return c.op === '>' ? n > x : c.op === '>=' ? n >= x : c.op === '<' ? n < x : n <= x;
    }
  }
}

const matchesName = (name: string, m: EventMatch) =>
  m.all || m.names.includes(name) || m.prefixes.some((p) => name.startsWith(p));

function inSeries(e: StoredEvent, q: ResolvedTrends, span: Span, s: TrendSeries): boolean {
  return (
    e.tenantId === q.tenantId &&
    e.occurredAt >= span.from &&
    e.occurredAt < span.to &&
    matchesName(e.name, s.events) &&
    [...q.conditions, ...s.conditions].every((c) => holds(e, c))
  );
}

/** The breakdown's value: text as it is; numbers and booleans as JSON writes them; anything else none. */
function breakdownOf(e: StoredEvent, f: FieldRef): string | null {
  if (f.kind === 'column') return column(e, f.column);
  const v = prop(e, f.key);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  return null;
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function topValues(events: readonly StoredEvent[], q: ResolvedTrends): (string | null)[] {
  const counts = new Map<string | null, number>();
  for (const e of events) {
    if (!q.series.some((s) => inSeries(e, q, q.span, s))) continue;
    const k = breakdownOf(e, q.breakdown!.field);
    counts.set(k, (counts.get(k) ?? 0) + e.count);
  }
  return [...counts]
    .sort(([ka, a], [kb, b]) => b - a || (ka === null ? 1 : kb === null ? -1 : byBytes(ka, kb)))
    .slice(0, q.breakdown!.limit + 1)
    .map(([k]) => k);
}

/** Linear interpolation between the closest ranks, as quantile_cont and percentile_cont. */
function quantile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function aggregate(events: readonly StoredEvent[], s: TrendSeries, persons: Persons): number | null {
  switch (s.math) {
    case 'events':
      return events.reduce((n, e) => n + e.count, 0);
    case 'unique_persons': {
      const who = new Set<string>();
      for (const e of events) {
        const key = userKeyOf(e.actor);
        if (key !== undefined) who.add(persons.get(personKey(e.tenantId, key)) ?? key);
      }
      return who.size;
    }
    case 'unique_companies':
      return new Set(events.flatMap((e) => (e.context.company ? [e.context.company] : []))).size;
    default: {
      const values = events.flatMap((e) => {
        const n = numberOf(e, s.property!);
        return n === null ? [] : [n];
      });
      if (s.math === 'sum') return values.reduce((a, b) => a + b, 0);
      if (values.length === 0) return null;
      if (s.math === 'avg') return values.reduce((a, b) => a + b, 0) / values.length;
      if (s.math === 'min') return Math.min(...values);
      if (s.math === 'max') return Math.max(...values);
      return quantile(values, s.math === 'median' ? 0.5 : 0.9);
    }
  }
}

function values(
  events: readonly StoredEvent[],
  q: ResolvedTrends,
  span: Span,
  labels: readonly string[],
  s: TrendSeries,
  keep: (e: StoredEvent) => boolean,
  persons: Persons,
) {
  const mine = events.filter((e) => inSeries(e, q, span, s) && keep(e));
  const label = (e: StoredEvent) =>
    bucketLabel(bucketStart(wallTime(e.occurredAt, q.zone), q.interval), q.interval);
  return {
    values: labels.map((l) =>
      aggregate(
        mine.filter((e) => label(e) === l),
        s,
        persons,
      ),
    ),
    total: aggregate(mine, s, persons),
  };
}

export function referenceTrends(
  all: readonly UsageEvent[],
  persons: Persons,
  q: ResolvedTrends,
): TrendsResult {
  const events = all.map(stored);
  const top = q.breakdown ? topValues(events, q) : null;
  const shown = top?.slice(0, q.breakdown!.limit) ?? [];
  const keys: (BreakdownKey | null)[] = top
    ? [
        ...shown.map((value) => ({ value })),
        ...(top.length > q.breakdown!.limit ? [{ other: true as const }] : []),
      ]
    : [null];
  const keeps = (key: BreakdownKey | null) => (e: StoredEvent) => {
    if (!key) return true;
    const k = breakdownOf(e, q.breakdown!.field);
    return 'other' in key ? !shown.includes(k) : k === key.value;
  };
  const rows: TrendRow[] = [];
  q.series.forEach((s, i) => {
    for (const key of keys) {
      rows.push({
        series: i,
        label: s.label,
        math: s.math,
        ...(key ? { breakdown: key } : {}),
        ...values(events, q, q.span, q.labels, s, keeps(key), persons),
        ...(q.previous
          ? { previous: values(events, q, q.previous.span, q.previous.labels, s, keeps(key), persons) }
          : {}),
      });
    }
  });
  const range = (span: Span) => ({
    from: new Date(span.from).toISOString(),
    to: new Date(span.to).toISOString(),
  });
  return {
    kind: 'trends',
    timezone: q.zone,
    interval: q.interval,
    range: range(q.span),
    buckets: [...q.labels],
    ...(q.previous ? { previous: { range: range(q.previous.span), buckets: [...q.previous.labels] } } : {}),
    series: rows,
  };
}
