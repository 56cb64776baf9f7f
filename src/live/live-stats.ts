import type { Exchange } from './live-store.port.ts';

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
