/**
 * Wall-clock time in an IANA time zone, from Node's own ICU: insights put their buckets,
 * "today" and "this week" in the definition's zone, and the engines bucket by the same
 * zone rules (DuckDB's ICU, PostgreSQL's tzdata).
 */

/** A local date and time of day, months 1–12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * The name ICU knows `zone` by (`Asia/Kolkata` is `Asia/Calcutta` to it), or null when it
 * is no IANA zone name. Offsets (`+05:30`) are refused: PostgreSQL reads their sign the
 * POSIX way, opposite to ISO 8601.
 */
export function timeZoneName(zone: string): string | null {
  if (!ZONE_NAME.test(zone)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

function formatOf(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, f);
  }
  return f;
}

/** The wall time at instant `ms` in `zone`. */
export function wallTime(ms: number, zone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of formatOf(zone).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** The wall time read as if it were UTC: what offsets are measured against. */
const asUtc = (w: WallTime): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

/** The zone's offset from UTC at instant `ms`, in milliseconds (whole seconds). */
export const offsetAt = (ms: number, zone: string): number =>
  asUtc(wallTime(ms, zone)) - Math.floor(ms / 1000) * 1000;

/**
 * The instant the clocks of `zone` show `w`. A wall time skipped by a change to summer
 * time is read with the offset before the change (01:30 where 01:00–02:00 never happens
 * is 02:30 after it); one that happens twice is its first.
 */
export function instantOf(w: WallTime, zone: string): number {
  const local = asUtc(w);
  const before = local - offsetAt(local - 86400_000, zone);
  const after = local - offsetAt(local + 86400_000, zone);
  // Both offsets of the day around it: the earliest reading that shows this wall time.
  const candidates = [before, after].sort((a, b) => a - b);
  for (const t of candidates) if (asUtc(wallTime(t, zone)) === local) return t;
  return before;
}

/** The local calendar date `days` after (or before) y-m-d. */
export function addDays(w: Pick<WallTime, 'year' | 'month' | 'day'>, days: number): WallTime {
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: 0,
    minute: 0,
    second: 0,
  };
}

/** Midnight of the wall time's date. */
export const midnight = (w: Pick<WallTime, 'year' | 'month' | 'day'>): WallTime => addDays(w, 0);

/** 1 (Monday) to 7 (Sunday), ISO. */
export const isoWeekday = (w: Pick<WallTime, 'year' | 'month' | 'day'>): number =>
  ((new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7) + 1;
