import { minuteStart } from '../domain/instant.ts';
import type { AttemptRecord, EndpointStats, Exchange, StatsWindow } from './live-store.port.ts';

/**
 * The 0-based position of the p-th percentile among n sorted values, by nearest rank
 * (the smallest value with at least p of them at or below it).
 *
 * @example nearestRank(0.5, 4) // 1: the second of four
 */
export function nearestRank(p: number, n: number): number {
  return Math.max(0, Math.ceil(p * n) - 1);
}

/** An attempt's stored exchange (JSON text, or null before usagehub kept them). */
export function exchangeOf(text: string | null): Exchange | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as Exchange;
  } catch {
    return null;
  }
}

/**
 * The longest start of `text` that fits in `bytes` bytes of UTF-8, cut between
 * characters.
 *
 * @example utf8Prefix('héllo', 2) // 'h'
 */
export function utf8Prefix(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  let end = bytes;
  // Back off continuation bytes (10xxxxxx) so that no character is cut in two.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

/**
 * Delivery lags of successful attempts, counted in buckets a tenth wide on a log scale
 * (bucket 0: under 1 ms; bucket i: [1.1^(i-1), 1.1^i) ms), keyed by bucket. Percentiles
 * read from it are within 10 % of the exact ones, over any number of attempts.
 */
export type LagHistogram = Record<string, number>;

const STEP = Math.log(1.1);
/** 1.1^300 ms is some 80 years: every lag fits. */
const MAX_BUCKET = 300;

export const lagBucket = (ms: number): number =>
  ms < 1 ? 0 : Math.min(MAX_BUCKET, Math.floor(Math.log(ms) / STEP) + 1);

export function mergeLags(into: LagHistogram, from: LagHistogram): LagHistogram {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
  return into;
}

/** The p-th percentile by nearest rank, as its bucket's geometric middle (0 for the first bucket). */
export function lagPercentile(h: LagHistogram, p: number): number | null {
  const entries = Object.entries(h)
    .map(([k, n]) => [Number(k), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = nearestRank(p, total);
  let seen = 0;
  for (const [bucket, n] of entries) {
    seen += n;
    if (seen > rank) return bucket === 0 ? 0 : Math.round(Math.exp((bucket - 0.5) * STEP));
  }
  return null;
}

/** An endpoint's attempts in one minute: the rollup stats are read from. */
export interface AttemptMinute {
  endpointId: string;
  /** Unix ms of the minute's start. */
  minute: number;
  ok: number;
  failed: number;
  lags: LagHistogram;
}

/** The minutes a group of recorded attempts adds to the rollup; lag runs from queueing to the successful attempt. */
export function attemptMinutes(records: readonly AttemptRecord[]): AttemptMinute[] {
  const byKey = new Map<string, AttemptMinute>();
  for (const { delivery: d, attempt: a, retryAt } of records) {
    const minute = minuteStart(a.at);
    const key = `${d.endpointId}\0${minute}`;
    const m = byKey.get(key) ?? { endpointId: d.endpointId, minute, ok: 0, failed: 0, lags: {} };
    byKey.set(key, m);
    if (retryAt !== null) {
      m.failed++;
      continue;
    }
    m.ok++;
    const b = lagBucket(a.at - d.createdAt);
    m.lags[b] = (m.lags[b] ?? 0) + 1;
  }
  return [...byKey.values()];
}

/** Stats over a window from its minutes (oldest first), and the endpoint's last error. */
export function statsOf(
  minutes: readonly Omit<AttemptMinute, 'endpointId'>[],
  w: StatsWindow,
  lastError: EndpointStats['lastError'],
): EndpointStats {
  const buckets: EndpointStats['buckets'] = [];
  const lags: LagHistogram = {};
  let attempts = 0;
  let succeeded = 0;
  for (const m of minutes) {
    const at = w.from + Math.floor((Math.max(m.minute, w.from) - w.from) / w.bucketMs) * w.bucketMs;
    let b = buckets.at(-1);
    if (b?.at !== at) buckets.push((b = { at, succeeded: 0, failed: 0 }));
    b.succeeded += m.ok;
    b.failed += m.failed;
    attempts += m.ok + m.failed;
    succeeded += m.ok;
    mergeLags(lags, m.lags);
  }
  return {
    attempts,
    succeeded,
    lagP50Ms: lagPercentile(lags, 0.5),
    lagP99Ms: lagPercentile(lags, 0.99),
    lastError,
    buckets,
  };
}
