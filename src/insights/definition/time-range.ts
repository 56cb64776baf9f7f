/**
 * An insight's time: its range resolved to instants, and its buckets, in the
 * definition's time zone. A day, week or month bucket is `[start, next start)` of local
 * calendar time, so a day is 23 or 25 hours long across a change of summer time; an hour
 * bucket is a local clock hour (the hour that happens twice is one bucket).
 */
import { addDays, instantOf, isoWeekday, midnight, wallTime, type WallTime } from './zoned.ts';

export const INTERVALS = ['hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export const RELATIVE_RANGES = [
  'today',
  'last_7_days',
  'last_30_days',
  'last_90_days',
  'this_week',
  'this_month',
] as const;
export type RelativeRange = (typeof RELATIVE_RANGES)[number];

/** A range resolved: `[from, to)` in Unix milliseconds. */
export interface Span {
  from: number;
  to: number;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const dateText = (w: Pick<WallTime, 'year' | 'month' | 'day'>) =>
  `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;

/** A bucket's label: its local start, `YYYY-MM-DD` (day, week, month) or `YYYY-MM-DDTHH:00` (hour). */
export function bucketLabel(w: WallTime, interval: Interval): string {
  return interval === 'hour' ? `${dateText(w)}T${pad(w.hour)}:00` : dateText(w);
}

/** The start of the bucket holding wall time `w`. */
export function bucketStart(w: WallTime, interval: Interval): WallTime {
  switch (interval) {
    case 'hour':
      return { ...w, minute: 0, second: 0 };
    case 'day':
      return midnight(w);
    case 'week':
      return addDays(w, 1 - isoWeekday(w));
    case 'month':
      return midnight({ ...w, day: 1 });
  }
}

/** The start of the bucket after the one starting at `w`. */
export function periodAfter(w: WallTime, interval: Exclude<Interval, 'hour'>): WallTime {
  return interval === 'day'
    ? addDays(w, 1)
    : interval === 'week'
      ? addDays(w, 7)
      : midnight({ ...w, month: w.month + 1 });
}

/** The range a relative name means at `now`: whole local days, ending with the current day, week or month. */
export function relativeSpan(range: RelativeRange, now: number, zone: string): Span {
  const today = midnight(wallTime(now, zone));
  const days = (from: WallTime, count: number): Span => ({
    from: instantOf(from, zone),
    to: instantOf(addDays(from, count), zone),
  });
  switch (range) {
    case 'today':
      return days(today, 1);
    case 'last_7_days':
      return days(addDays(today, -6), 7);
    case 'last_30_days':
      return days(addDays(today, -29), 30);
    case 'last_90_days':
      return days(addDays(today, -89), 90);
    case 'this_week':
      return days(bucketStart(today, 'week'), 7);
    case 'this_month': {
      const first = bucketStart(today, 'month');
      return {
        from: instantOf(first, zone),
        to: instantOf(midnight({ ...first, month: first.month + 1 }), zone),
      };
    }
  }
}

/** A local date `YYYY-MM-DD` read as its midnight in `zone`. */
export function localDate(text: string, zone: string): number {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  return instantOf(midnight({ year, month, day }), zone);
}

/**
 * The period before `span`, as long: the same number of local days before it when the
 * span is whole local days, else the same number of milliseconds.
 */
export function previousSpan(span: Span, zone: string): Span {
  const a = wallTime(span.from, zone);
  const b = wallTime(span.to, zone);
  const whole = (w: WallTime) => w.hour === 0 && w.minute === 0 && w.second === 0;
  if (whole(a) && whole(b)) {
    const days = Math.round(
      (Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86400_000,
    );
    return { from: instantOf(addDays(a, -days), zone), to: span.from };
  }
  return { from: span.from - (span.to - span.from), to: span.from };
}

/** The labels of every bucket that meets `span`, in order (the first may start before it). */
export function bucketLabels(span: Span, interval: Interval, zone: string, max: number): string[] | null {
  const labels: string[] = [];
  if (span.to <= span.from) return labels;
  if (interval === 'hour') {
    // Local hours are walked through UTC hours: a skipped hour never shows, a repeated one once.
    const first = Math.floor(span.from / 3600_000) * 3600_000;
    for (let t = first; t < span.to; t += 3600_000) {
      const label = bucketLabel(bucketStart(wallTime(Math.max(t, span.from), zone), 'hour'), 'hour');
      if (labels[labels.length - 1] !== label) labels.push(label);
      if (labels.length > max) return null;
    }
    return labels;
  }
  const last = bucketStart(wallTime(span.to - 1, zone), interval);
  const lastLabel = bucketLabel(last, interval);
  for (let w = bucketStart(wallTime(span.from, zone), interval); ;) {
    const label = bucketLabel(w, interval);
    labels.push(label);
    if (label >= lastLabel) return labels;
    if (labels.length > max) return null;
    w =
      interval === 'day'
        ? addDays(w, 1)
        : interval === 'week'
          ? addDays(w, 7)
          : midnight({ ...w, month: w.month + 1 });
  }
}
