import { gzipSync } from 'node:zlib';

/**
 * A PostHog batch at the dialect's 20 MB limit, gzip'ed as posthog-node sends it: 10,000
 * events of ~2 KB, by 100 people, each with its own uuid, a minute before `now`.
 */
export function posthogBatchAtLimit(apiKey: string, now: number): Buffer {
  return gzipSync(
    JSON.stringify({
      api_key: apiKey,
      batch: Array.from({ length: 10_000 }, (_, i) => ({
        event: 'large',
        distinct_id: `d${i % 100}`,
        uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        timestamp: new Date(now - 60_000).toISOString(),
        properties: { $current_url: `https://example.com/${'p'.repeat(1900)}` },
      })),
    }),
  );
}
