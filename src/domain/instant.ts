import { MAX_INSTANT_MS, MIN_INSTANT_MS } from './canonical.ts';

/**
 * ISO 8601 as usagehub takes it: a calendar date, optionally a time to the minute,
 * second or fraction, and an offset (`Z` or ±hh:mm). A time without an offset is UTC,
 * never the server's zone. Nothing else: `Date.parse` would also take "1", "Jan 1 2024"
 * and "1/2/2024", each a guess.
 */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?)?$/;

export type InstantOutcome =
  { outcome: 'ok'; ms: number } | { outcome: 'bad_format' } | { outcome: 'out_of_range' };

/** What an instant must look like, for error messages. */
export const INSTANT_FORMS =
  'Unix milliseconds, or ISO 8601 such as 2024-05-01T12:00:00Z (an offset like +02:00; none means UTC)';

/**
 * Parses an instant given as Unix milliseconds (a number, or digits) or ISO 8601 text.
 * `dateOnly`: whether a bare date (midnight UTC) is enough, as for query bounds.
 */
export function parseInstant(value: number | string, dateOnly = false): InstantOutcome {
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    const ms = Number(value);
    if (!Number.isSafeInteger(ms)) return { outcome: 'out_of_range' };
    return inRange(ms);
  }
  const m = ISO_8601.exec(value);
  if (!m || (!dateOnly && m[4] === undefined)) return { outcome: 'bad_format' };
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  // Date.UTC rolls 2024-02-30 over into March: a date that does not exist is refused.
  const back = new Date(local);
  if (
    back.getUTCFullYear() !== Number(y) ||
    back.getUTCMonth() !== Number(mo) - 1 ||
    back.getUTCDate() !== Number(d) ||
    back.getUTCHours() !== Number(h) ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    return { outcome: 'bad_format' };
  const ms = local + Math.trunc(Number(`0.${frac || '0'}`) * 1000) - offsetMs(zone);
  return inRange(ms);
}

function offsetMs(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return (zone[0] === '-' ? -1 : 1) * minutes * 60_000;
}

const inRange = (ms: number): InstantOutcome =>
  ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS ? { outcome: 'out_of_range' } : { outcome: 'ok', ms };

/**
 * The start of the minute holding `ms`: the grain of last-use times and of the Live
 * API's attempt rollup.
 *
 * @example minuteStart(Date.UTC(2026, 0, 1, 10, 5, 42)) === Date.UTC(2026, 0, 1, 10, 5)
 */
export const minuteStart = (ms: number): number => Math.floor(ms / 60_000) * 60_000;
