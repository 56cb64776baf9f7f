/**
 * Generated amplifiers: requests built to cost usagehub far more than they cost to send —
 * batch-level fields of every dialect at the size limits, each codec's worst cases (gzip,
 * deflate and br bombs to past the decoded limit, lz-string bombs, base64 and form
 * wrappings of them), deep and wide structures, and the same without any key.
 *
 * The property: every answer is a 2xx or a catalogued 4xx, within a bounded time, and
 * afterwards the process is alive, its heap and RSS bounded, and it still stores a good
 * event. The hub's rate limits are set out of reach so that every request reaches the
 * decoders and mappers: this tests their bounds, not the limits'. USAGEHUB_FUZZ_RUNS and
 * USAGEHUB_FUZZ_SEED as for test/fuzz.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import fc from 'fast-check';
import LZString from 'lz-string';
import { ERRORS } from '../src/domain/errors.ts';
import { ingestRoutes, type IngestRoute } from './helpers/dialects.ts';
import { startHub, type TestHub } from './helpers/server.ts';

const RUNS = Math.min(Number(process.env.USAGEHUB_FUZZ_RUNS ?? 40), 200);
const SEED =
  process.env.USAGEHUB_FUZZ_SEED === undefined ? undefined : Number(process.env.USAGEHUB_FUZZ_SEED);
const params = { numRuns: RUNS, seed: SEED, endOnFailure: true, verbose: 1 } as const;
/**
 * What one request may take. The slowest here is a PostHog body inflated to its 20 MB
 * limit and parsed: ~2.5 s on a fast day (V8's JSON.parse costs 10–120 ns per byte by the
 * JSON's shape) — bounded, but long: see docs/operations.md on large bodies. The cases
 * this suite was written for took minutes, or ended the process.
 */
const MAX_REQUEST_MS = 6000;

const wideObject = (keys: number, valueChars: number) =>
  Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, 'v'.repeat(valueChars)]));
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** The payload a codec bomb inflates to: deep, wide, or plain repetition. */
const inflated = fc.constantFrom(
  () => Buffer.from(nested(6_000_000)),
  () => Buffer.alloc(30 * 1024 * 1024, 0x20),
  () => Buffer.from(JSON.stringify({ batch: Array.from({ length: 50_000 }, () => ({ e: 1 })) })),
  () => Buffer.from(`{"a":"${'x'.repeat(25 * 1024 * 1024)}"}`),
);

type Wrapping = 'gzip' | 'deflate' | 'br' | 'gzip-query' | 'lz64' | 'lz64-form' | 'base64-form';
const wrappings: Wrapping[] = ['gzip', 'deflate', 'br', 'gzip-query', 'lz64', 'lz64-form', 'base64-form'];

function wrap(
  how: Wrapping,
  inner: Buffer,
): { path: string; body: Buffer | string; headers: Record<string, string> } {
  switch (how) {
    case 'gzip':
    case 'deflate':
    case 'br': {
      const codec = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, br: zlib.brotliCompressSync }[how];
      return { path: '', body: codec(inner), headers: { 'content-encoding': how } };
    }
    case 'gzip-query':
      return { path: '?compression=gzip-js', body: zlib.gzipSync(inner), headers: {} };
    case 'lz64':
      return {
        path: '?compression=lz64',
        body: LZString.compressToBase64(inner.subarray(0, 3_000_000).toString('latin1')),
        headers: { 'content-type': 'text/plain' },
      };
    case 'lz64-form':
      return {
        path: '',
        body: `compression=lz64&data=${encodeURIComponent(LZString.compressToBase64(inner.subarray(0, 3_000_000).toString('latin1')))}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      };
    case 'base64-form':
      return {
        path: '',
        body: `data=${encodeURIComponent(inner.subarray(0, 4_000_000).toString('base64'))}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      };
  }
}

describe('fuzz: amplifiers', () => {
  let hub: TestHub;
  let routes: IngestRoute[];
  let segmentKey = '';
  let posthogKey = '';
  let slowest = 0;

  before(async () => {
    hub = await startHub({
      limitKeyRequestsPerSecond: 1e6,
      limitKeyEventsPerSecond: 1e9,
      limitKeyBytesPerSecond: 1e12,
      limitTenantRequestsPerSecond: 1e6,
      limitTenantEventsPerSecond: 1e9,
      limitTenantBytesPerSecond: 1e12,
      limitUnauthenticatedPerSecond: 1e6,
      limitAuthFailuresPerMinute: 1e6,
    });
    routes = await ingestRoutes(hub);
    const segment = routes.find((r) => r.dialect === 'segment')!;
    const posthog = routes.find((r) => r.dialect === 'posthog')!;
    // The keys the dialect helpers use, recovered from what they send.
    const seg = await segment.send(segment.valid(1));
    assert.equal(seg.statusCode, 200);
    posthogKey = (posthog.valid(1) as { api_key: string }).api_key;
    const sources = await hub.app.inject({
      method: 'GET',
      url: '/v1/sources',
      headers: { authorization: `Bearer ${hub.adminKey}` },
    });
    segmentKey = sources
      .json<{ sources: { kind: string; writeKey: string }[] }>()
      .sources.find((s) => s.kind === 'segment')!.writeKey;
  });
  after(async () => {
    console.log(`fuzz-amplifiers: slowest answer ${slowest.toFixed(0)} ms`);
    await hub.close();
  });

  const timed = async (what: string, send: () => Promise<{ statusCode: number; body: string }>) => {
    const started = performance.now();
    const res = await send();
    const ms = performance.now() - started;
    slowest = Math.max(slowest, ms);
    assert.ok(ms < MAX_REQUEST_MS, `${what}: ${ms.toFixed(0)} ms`);
    if (res.statusCode >= 300) {
      const code = /"code":"([a-z_]+)"/.exec(res.body)?.[1];
      assert.ok(
        res.statusCode < 500 && code !== undefined && code in ERRORS,
        `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`,
      );
    }
  };

  test('codec bombs and their wrappings, with a key and without, on the PostHog routes', async () => {
    await fc.assert(
      fc.asyncProperty(
        inflated,
        fc.constantFrom(...wrappings),
        fc.boolean(),
        fc.constantFrom('/batch', '/e/', '/capture'),
        async (make, how, keyed, route) => {
          const { path, body, headers } = wrap(how, make());
          const sep = path ? '&' : '?';
          const url = `${route}${path}${keyed ? `${sep}api_key=${posthogKey}` : ''}`;
          await timed(`${how} ${url}`, () => hub.app.inject({ method: 'POST', url, headers, payload: body }));
        },
      ),
      { ...params, numRuns: Math.min(RUNS, 30) },
    );
  });

  test('Segment batch-level fields at the size limit, on many messages, with a key and without', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2500 }),
        fc.integer({ min: 1, max: 30_000 }),
        fc.constantFrom('context', 'integrations', 'both'),
        fc.constantFrom('header', 'body', 'none'),
        async (messages, keys, field, keyAt) => {
          const budget = 480 * 1024 - messages * 45;
          if (budget < 1000) return;
          const valueChars = Math.max(1, Math.floor(budget / keys) - 8);
          const shared = wideObject(Math.min(keys, Math.floor(budget / 9)), valueChars);
          const body = {
            ...(field !== 'integrations' ? { context: shared } : {}),
            ...(field !== 'context' ? { integrations: shared } : {}),
            ...(keyAt === 'body' ? { writeKey: segmentKey } : {}),
            batch: Array.from({ length: messages }, (_, i) => ({
              type: 'track',
              event: 'e',
              userId: `u${i}`,
            })),
          };
          const text = JSON.stringify(body).slice(0, 500 * 1024 - 10);
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (keyAt === 'header')
            headers.authorization = `Basic ${Buffer.from(`${segmentKey}:`).toString('base64')}`;
          await timed(`segment ${messages} × ${keys} keys ${field} ${keyAt}`, () =>
            hub.app.inject({ method: 'POST', url: '/v1/batch', headers, payload: text }),
          );
        },
      ),
      { ...params, numRuns: Math.min(RUNS, 30) },
    );
  });

  test('every dialect: deep, wide and long values at the body limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.constantFrom(
          () => nested(2_000_000),
          () => JSON.stringify(wideObject(200_000, 1)),
          () => JSON.stringify({ batch: [{ properties: wideObject(100_000, 1) }] }),
          () => `{"events":[${Array.from({ length: 60_000 }, () => '{}').join(',')}]}`,
        ),
        async (r, make) => {
          const route = routes[r % routes.length]!;
          await timed(`${route.dialect} structure`, () => route.send(make()));
        },
      ),
      { ...params, numRuns: Math.min(RUNS, 20) },
    );
  });

  test('afterwards: alive, memory bounded, and a good event is stored', async () => {
    const { rss, heapUsed } = process.memoryUsage();
    assert.ok(rss < 1024 * 2 ** 20, `RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
    assert.ok(heapUsed < 512 * 2 ** 20, `heap ${(heapUsed / 2 ** 20).toFixed(0)} MiB`);
    const before = await hub.settled();
    const res = await hub.send([
      { app: 'web', name: 'after_amplifiers', timestamp: Date.now() - 1000, id: 'after-amp' },
    ]);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await hub.storedCount(before + 1), before + 1);
  });
});
