/**
 * The attacker of bench:fairness, in a process of its own so that its work does not
 * slow the victim's measurements in the bench's process: one flood for SECONDS seconds
 * with CONNECTIONS connections, then a JSON line of what the server answered.
 *
 *   node --import tsx bench/fairness-flood.ts URL KIND SECONDS CONNECTIONS KEY
 *
 * KIND: posthog-gzip (100-event gzip batches, every event new), posthog-large (gzip
 * batches at PostHog's 20 MB limit: 10,000 events of 2 KB), segment (100-message
 * batches, HTTP Basic), segment-context (1,000 messages sharing a 400 KB context),
 * keyless-lz64 (lz-string bombs with no key at all).
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import LZString from 'lz-string';

const [url, kind, seconds, connections, key] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const BODIES = 2000;
/** What analytics-node sends with: the write key as the HTTP Basic user name. */
const segmentHeaders = {
  'content-type': 'application/json',
  authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
};
const now = Date.now();

function bodies(): {
  path: string;
  headers: Record<string, string>;
  bodies: (string | Buffer)[];
  events: number;
} {
  switch (kind) {
    case 'posthog-gzip':
      return {
        path: '/batch/',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        events: 100,
        bodies: Array.from({ length: BODIES }, (_, b) =>
          gzipSync(
            JSON.stringify({
              api_key: key,
              batch: Array.from({ length: 100 }, (_, i) => ({
                event: 'flood',
                distinct_id: `d${(b * 100 + i) % 5000}`,
                uuid: randomUUID(),
                timestamp: new Date(now - 60_000).toISOString(),
                properties: { $current_url: 'https://example.com/page', i },
              })),
            }),
          ),
        ),
      };
    case 'posthog-large':
      return {
        path: '/batch/',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        events: 10_000,
        bodies: Array.from({ length: 4 }, () =>
          gzipSync(
            JSON.stringify({
              api_key: key,
              batch: Array.from({ length: 10_000 }, (_, i) => ({
                event: 'flood',
                distinct_id: `d${i % 5000}`,
                uuid: randomUUID(),
                timestamp: new Date(now - 60_000).toISOString(),
                properties: { $current_url: `https://example.com/${'p'.repeat(1900)}`, i },
              })),
            }),
          ),
        ),
      };
    case 'segment':
      return {
        path: '/v1/batch',
        headers: segmentHeaders,
        events: 100,
        bodies: Array.from({ length: BODIES }, (_, b) =>
          JSON.stringify({
            batch: Array.from({ length: 100 }, (_, i) => ({
              type: 'track',
              event: 'flood',
              userId: `u${(b * 100 + i) % 5000}`,
              messageId: randomUUID(),
              timestamp: new Date(now - 60_000).toISOString(),
              properties: { i },
            })),
          }),
        ),
      };
    case 'segment-context':
      return {
        path: '/v1/batch',
        headers: segmentHeaders,
        events: 1000,
        bodies: [
          JSON.stringify({
            context: { page: { title: 'x'.repeat(400 * 1024) } },
            batch: Array.from({ length: 1000 }, (_, i) => ({ type: 'track', event: 'f', userId: `u${i}` })),
          }),
        ],
      };
    case 'keyless-lz64':
      return {
        path: '/e/?compression=lz64',
        headers: { 'content-type': 'text/plain' },
        events: 0,
        bodies: [LZString.compressToBase64('['.repeat(2_000_000))],
      };
    default:
      throw new Error(`unknown flood ${kind}`);
  }
}

const flood = bodies();
let n = 0;
const statuses = new Map<number, number>();
let finished: (r: autocannon.Result) => void = () => {};
let failed: (e: unknown) => void = () => {};
const result$ = new Promise<autocannon.Result>(
  (resolve, reject) => ((finished = resolve), (failed = reject)),
);
const instance = autocannon(
  {
    url: `${url}${flood.path}`,
    method: 'POST',
    connections: Number(connections),
    duration: Number(seconds),
    headers: flood.headers,
    requests: [{ setupRequest: (req) => ({ ...req, body: flood.bodies[n++ % flood.bodies.length] }) }],
  },
  (err, result) => (err ? failed(err) : finished(result)),
);
instance.on('response', (_client, status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1));
const result = await result$;
const ok = statuses.get(200) ?? 0;
console.log(
  JSON.stringify({
    requestsPerSec: result.requests.total / Number(seconds),
    acceptedEventsPerSec: (ok * flood.events) / Number(seconds),
    statuses: Object.fromEntries(statuses),
    bytesPerSec: result.throughput.average,
  }),
);
