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
