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
  const common = commonForm(value);
  if (common !== null) return common;
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

/**
 * The form SDKs send (`toISOString()`: 2024-05-01T12:00:00.000Z, with 0 to 9 fraction
 * digits), read digit by digit: the pattern, the parts and the Date made to check the
 * day cost a third of mapping a Segment message. Null for any other text, which the
 * pattern then reads; both ways give the same answer (test/instant.test.ts).
 */
function commonForm(v: string): InstantOutcome | null {
  const n = v.length;
  if (n < 20 || n > 30 || n === 21 || v.charCodeAt(n - 1) !== 90 /* Z */) return null;
  if (v[4] !== '-' || v[7] !== '-' || v[10] !== 'T' || v[13] !== ':' || v[16] !== ':') return null;
  if (n > 20 && v[19] !== '.') return null;
  const y = digits(v, 0, 4);
  const mo = digits(v, 5, 2);
  const d = digits(v, 8, 2);
  const h = digits(v, 11, 2);
  const mi = digits(v, 14, 2);
  const s = digits(v, 17, 2);
  const frac = n > 20 ? digits(v, 20, n - 21) : 0;
  // Years before 100 are left to the pattern's path: Date.UTC reads them as 19xx.
  if ((y | mo | d | h | mi | s | frac) < 0 || y < 100) return null;
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59)
    return { outcome: 'bad_format' };
  // Milliseconds: the first three fraction digits, the rest cut off.
  const places = n - 21;
  const ms = places <= 3 ? frac * 10 ** (3 - places) : Math.trunc(frac / 10 ** (places - 3));
  return inRange(Date.UTC(y, mo - 1, d, h, mi, s) + ms);
}

/** The number written by `count` decimal digits at `at`, or -1 if one is not a digit. */
function digits(v: string, at: number, count: number): number {
  let x = 0;
  for (let i = at; i < at + count; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (y: number, mo: number): number =>
  mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : DAYS[mo - 1]!;

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
