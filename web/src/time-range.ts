/** The time range every page has: a preset or custom dates, with the bucket size its charts use. */

export const PRESETS = [
  { id: '1h', label: 'Last hour', ms: 3600_000, interval: 'minute' },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000, interval: 'hour' },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000, interval: 'hour' },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000, interval: 'day' },
] as const;

export type Interval = 'minute' | 'hour' | 'day';

export interface TimeRange {
  id: string;
  from: number;
  to: number;
  interval: Interval;
}

const MINUTE = 60_000;
const HOUR = 3600_000;
const DAY = 86_400_000;

/** The range a URL asks for: `range=1h|24h|7d|30d`, or `range=custom&from=YYYY-MM-DD&to=YYYY-MM-DD` (to inclusive). */
export function rangeOf(params: URLSearchParams, now = Date.now()): TimeRange {
  const id = params.get('range') ?? '24h';
  if (id === 'custom') {
    const from = Date.parse(params.get('from') ?? '');
    const toDay = Date.parse(params.get('to') ?? '');
    if (Number.isFinite(from) && Number.isFinite(toDay) && toDay >= from) {
      const to = toDay + 86_400_000;
      return { id, from, to, interval: to - from <= 2 * 86_400_000 ? 'hour' : 'day' };
    }
  }
  const preset = PRESETS.find((p) => p.id === id) ?? PRESETS[1];
  // Ranges end at the next whole bucket: the current one is shown whole, and the store
  // answers whole hours from its hourly rollup instead of reading every event.
  const step = preset.interval === 'minute' ? MINUTE : HOUR;
  const to = Math.ceil((now + 1) / step) * step;
  return { id: preset.id, from: to - preset.ms, to, interval: preset.interval };
}

/** The range just before: for "compared with the previous period". */
export const previousOf = (r: TimeRange): TimeRange => ({ ...r, from: r.from - (r.to - r.from), to: r.from });

/** Query parameters of a range (and the app filter) for the query API. */
export const rangeParams = (r: TimeRange, app: string | null) => ({
  from: new Date(r.from).toISOString(),
  to: new Date(r.to).toISOString(),
  app: app ?? undefined,
});

const STEP: Record<Interval, number> = { minute: 60_000, hour: 3600_000, day: 86_400_000 };

/** Every bucket start of the range, as the query API writes them (UTC, whole seconds): charts show empty buckets as 0. */
export function bucketsOf(r: TimeRange, interval: Interval = r.interval): string[] {
  const step = STEP[interval];
  const out: string[] = [];
  for (let t = Math.floor(r.from / step) * step; t < r.to; t += step)
    out.push(new Date(t).toISOString().replace('.000Z', 'Z'));
  return out;
}

/** The range widened to whole UTC days: for per-day figures (distinct users), which the store keeps per day. */
export const wholeDays = (r: TimeRange): TimeRange => ({
  ...r,
  from: Math.floor(r.from / DAY) * DAY,
  to: Math.ceil(r.to / DAY) * DAY,
  interval: 'day',
});
