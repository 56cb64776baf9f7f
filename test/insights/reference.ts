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
  /** The current traits of the person who did it (person_traits), by the event's user key. */
  traitsNow: Record<string, unknown>;
}

/** Persons' current traits by tenant and user key (personKey). */
export type TraitsByKey = ReadonlyMap<string, Record<string, unknown>>;
let traitsInUse: TraitsByKey = new Map();
/** The traits the next reference answers read (each test case sets its own). */
export const useTraits = (t: TraitsByKey) => {
  traitsInUse = t;
};

export const stored = (e: UsageEvent): StoredEvent => {
  const key = userKeyOf(e.actor);
  const traits = key === undefined ? undefined : traitsInUse.get(personKey(e.tenantId, key));
  return {
    ...e,
    props: JSON.parse(JSON.stringify(e.properties)) as Record<string, unknown>,
    traitsNow: JSON.parse(JSON.stringify(traits ?? {})) as Record<string, unknown>,
  };
};

/** The person each user key is (the store's user_persons), by tenant and key. */
export type Persons = ReadonlyMap<string, string>;
export const personKey = (tenantId: string, userKey: string) => `${tenantId}\u0000${userKey}`;

function column(e: StoredEvent, c: 'company' | 'app_id' | 'source'): string | null {
  return c === 'company' ? (e.context.company ?? null) : c === 'app_id' ? e.appId : e.source;
}

const prop = (e: StoredEvent, key: string): unknown =>
  Object.hasOwn(e.props, key) ? e.props[key] : undefined;
/** A property's or trait's value. */
const valueOf = (e: StoredEvent, f: Exclude<FieldRef, { kind: 'column' }>): unknown => {
  const json = f.kind === 'trait' ? e.traitsNow : e.props;
  return Object.hasOwn(json, f.key) ? json[f.key] : undefined;
};
const textOf = (e: StoredEvent, f: FieldRef): string | null => {
  if (f.kind === 'column') return column(e, f.column);
  const v = valueOf(e, f);
  return typeof v === 'string' ? v : null;
};
const numberOf = (e: StoredEvent, key: string): number | null => {
  const v = prop(e, key);
  return typeof v === 'number' ? v : null;
};

function equals(e: StoredEvent, f: FieldRef, value: Scalar): boolean {
  if (f.kind === 'column') return column(e, f.column) === value;
  const v = valueOf(e, f);
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
        : valueOf(e, f) !== undefined && valueOf(e, f) !== null;
    case 'is not set':
      return !holds(e, { ...c, op: 'is set' });
    default: {
      const found = f.kind === 'column' ? null : valueOf(e, f);
      const n = typeof found === 'number' ? found : null;
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
  const v = valueOf(e, f);
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

/** An event with its place in its batch: ties of time are broken by it, as the stores break them by seq. */
export interface PlacedEvent {
  event: UsageEvent;
  index: number;
}

/** Funnels by brute force: every start tried, each step searched for from the step before. */
export function referenceFunnels(
  all: readonly UsageEvent[],
  persons: Persons,
  q: import('../../src/insights/kinds/funnels/funnels.resolve.ts').ResolvedFunnels,
): import('../../src/insights/kinds/funnels/funnels.result.ts').FunnelsResult {
  type Step = import('../../src/insights/kinds/funnels/funnels.result.ts').FunnelStepResult;
  const events = all.map((e, index) => ({ e: stored(e), index }));
  const whoOf = (e: StoredEvent): string | null => {
    if (q.unit === 'company') return e.context.company ?? null;
    const key = userKeyOf(e.actor);
    return key === undefined ? null : (persons.get(personKey(e.tenantId, key)) ?? key);
  };
  const marks = (e: StoredEvent) =>
    q.steps.map(
      (s) => matchesName(e.name, s.events) && [...q.conditions, ...s.conditions].every((c) => holds(e, c)),
    );
  const end = q.span.to + q.windowMs;
  const byWho = new Map<string, { e: StoredEvent; index: number; m: boolean[] }[]>();
  for (const { e, index } of events) {
    const who = whoOf(e);
    if (e.tenantId !== q.tenantId || who === null || e.occurredAt < q.span.from || e.occurredAt > end)
      continue;
    const m = marks(e);
    if (q.order !== 'strict' && !m.some(Boolean)) continue;
    byWho.set(who, [...(byWho.get(who) ?? []), { e, index, m }]);
  }
  const best: { k: string | null; level: number; times: number[] }[] = [];
  for (const list of byWho.values()) {
    list.sort((a, b) => a.e.occurredAt - b.e.occurredAt || a.index - b.index);
    let top: { k: string | null; level: number; times: number[] } | null = null;
    list.forEach((start, p) => {
      const inRange = start.e.occurredAt < q.span.to;
      if (!inRange || (q.order !== 'any' && !start.m[0])) return;
      const limit = start.e.occurredAt + q.windowMs;
      let level = 0;
      const times: number[] = [];
      if (q.order === 'any') {
        for (let i = 0; i < q.steps.length; i++)
          if (list.some((x, r) => r >= p && x.m[i] && x.e.occurredAt <= limit)) level++;
      } else {
        let cur = p;
        level = 1;
        times.push(start.e.occurredAt);
        for (let i = 1; i < q.steps.length; i++) {
          const next =
            q.order === 'strict'
              ? list[cur + 1]?.m[i] && list[cur + 1]!.e.occurredAt <= limit
                ? cur + 1
                : -1
              : list.findIndex((x, r) => r > cur && x.m[i] && x.e.occurredAt <= limit);
          if (next === -1) break;
          cur = next;
          level++;
          times.push(list[cur]!.e.occurredAt);
        }
      }
      const k = q.breakdown ? breakdownOf(start.e, q.breakdown.field) : null;
      if (!top || level > top.level) top = { k, level, times };
    });
    if (top) best.push(top);
  }
  const counts = new Map<string | null, number>();
  for (const b of best) counts.set(b.k, (counts.get(b.k) ?? 0) + 1);
  const ranked = [...counts]
    .sort(([ka, a], [kb, b]) => b - a || (ka === null ? 1 : kb === null ? -1 : byBytes(ka, kb)))
    .map(([k]) => k);
  const shown = q.breakdown ? ranked.slice(0, q.breakdown.limit) : [null];
  const OTHER = Symbol('other');
  const groupOf = (b: { k: string | null }) => (!q.breakdown || shown.includes(b.k) ? b.k : OTHER);
  const keys = [...new Set(best.map(groupOf))];
  const groups = keys.map((key) => {
    const mine = best.filter((b) => groupOf(b) === key);
    const entered = q.steps.map((_, i) => mine.filter((b) => b.level >= i + 1).length);
    const steps: Step[] = q.steps.map((s, i) => {
      const converted = i + 1 < q.steps.length ? entered[i + 1]! : entered[i]!;
      const seconds =
        i === 0 || q.order === 'any'
          ? []
          : mine.filter((b) => b.level >= i + 1).map((b) => (b.times[i]! - b.times[i - 1]!) / 1000);
      return {
        step: i,
        label: s.label,
        entered: entered[i]!,
        converted,
        dropped: entered[i]! - converted,
        conversionFromFirst: entered[0] ? entered[i]! / entered[0] : null,
        conversionFromPrevious:
          i === 0 ? (entered[0] ? 1 : null) : entered[i - 1] ? entered[i]! / entered[i - 1]! : null,
        medianSecondsFromPrevious: quantile(seconds, 0.5),
        p90SecondsFromPrevious: quantile(seconds, 0.9),
      };
    });
    return {
      key,
      group: {
        ...(q.breakdown
          ? { breakdown: key === OTHER ? { other: true as const } : { value: key as string | null } }
          : {}),
        steps,
      },
    };
  });
  // Shown values first, most entered first, ties by bytes, none last; then the other.
  groups.sort((a, b) => {
    const oa = a.key === OTHER ? 1 : 0;
    const ob = b.key === OTHER ? 1 : 0;
    if (oa !== ob) return oa - ob;
    const d = b.group.steps[0]!.entered - a.group.steps[0]!.entered;
    if (d) return d;
    return a.key === null ? 1 : b.key === null ? -1 : byBytes(a.key as string, b.key as string);
  });
  const empty = q.steps.map((s, i) => ({
    step: i,
    label: s.label,
    entered: 0,
    converted: 0,
    dropped: 0,
    conversionFromFirst: null,
    conversionFromPrevious: null,
    medianSecondsFromPrevious: null,
    p90SecondsFromPrevious: null,
  }));
  return {
    kind: 'funnels',
    timezone: q.zone,
    range: { from: new Date(q.span.from).toISOString(), to: new Date(q.span.to).toISOString() },
    windowSeconds: q.windowMs / 1000,
    order: q.order,
    unit: q.unit,
    groups: groups.length ? groups.map((g) => g.group) : q.breakdown ? [] : [{ steps: empty }],
  };
}

/** Retention by brute force: each person's cohort periods and return periods, counted cell by cell. */
export function referenceRetention(
  all: readonly UsageEvent[],
  persons: Persons,
  q: import('../../src/insights/kinds/retention/retention.resolve.ts').ResolvedRetention,
): import('../../src/insights/kinds/retention/retention.query.ts').RetentionResult {
  const events = all.map(stored).filter((e) => e.tenantId === q.tenantId);
  const whoOf = (e: StoredEvent): string | null => {
    if (q.unit === 'company') return e.context.company ?? null;
    const key = userKeyOf(e.actor);
    return key === undefined ? null : (persons.get(personKey(e.tenantId, key)) ?? key);
  };
  const is = (e: StoredEvent, m: { events: EventMatch; conditions: readonly Condition[] }) =>
    matchesName(e.name, m.events) && [...q.conditions, ...m.conditions].every((c) => holds(e, c));
  const periodOf = (t: number) => q.table.findIndex((p) => p.from <= t && t < p.to);
  const cohortsOf = new Map<string, Set<number>>();
  const returnsOf = new Map<string, Set<number>>();
  const add = (m: Map<string, Set<number>>, who: string, i: number) =>
    m.set(who, (m.get(who) ?? new Set()).add(i));
  const firsts = new Map<string, number>();
  for (const e of events) {
    const who = whoOf(e);
    if (who === null) continue;
    if (is(e, q.start)) {
      if (q.cohort === 'first_time') firsts.set(who, Math.min(firsts.get(who) ?? Infinity, e.occurredAt));
      else if (e.occurredAt >= q.span.from && e.occurredAt < q.span.to)
        add(cohortsOf, who, periodOf(e.occurredAt));
    }
    if (is(e, q.return) && e.occurredAt >= q.span.from && periodOf(e.occurredAt) !== -1)
      add(returnsOf, who, periodOf(e.occurredAt));
  }
  for (const [who, t] of firsts) if (t >= q.span.from && t < q.span.to) add(cohortsOf, who, periodOf(t));
  const cohorts = q.table.slice(0, q.cohorts).map((p, i) => {
    const members = [...cohortsOf].filter(([, set]) => set.has(i)).map(([who]) => who);
    const values = Array.from({ length: q.periods }, (_, k) => {
      if (q.table[i + k]!.from > q.now) return null;
      if (k === 0) return members.length;
      return members.filter((who) => returnsOf.get(who)?.has(i + k)).length;
    });
    return { cohort: p.label, size: members.length, values };
  });
  const average = Array.from({ length: q.periods }, (_, k) => {
    const lived = cohorts.filter((c) => c.values[k] !== null && c.size > 0);
    const size = lived.reduce((n, c) => n + c.size, 0);
    return size ? lived.reduce((n, c) => n + c.values[k]!, 0) / size : null;
  });
  return {
    kind: 'retention',
    timezone: q.zone,
    period: q.period,
    cohort: q.cohort,
    unit: q.unit,
    range: { from: new Date(q.span.from).toISOString(), to: new Date(q.span.to).toISOString() },
    cohorts,
    average,
  };
}
