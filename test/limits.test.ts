/**
 * Rate limits and the guard against key guessing: token buckets that admit a batch
 * whole or refuse it whole, 429 with Retry-After and the IETF RateLimit fields in every
 * dialect's own envelope, failed authentications throttled per address and per key
 * prefix on every route, and the official clients backing off without losing or
 * doubling an event.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Analytics } from '@segment/analytics-node';
import { PostHog } from 'posthog-node';
import { IngestLimits } from '../src/limits/ingest-limits.ts';
import { LocalBucketStore } from '../src/limits/local-bucket-store.ts';
import { AuthThrottle } from '../src/limits/auth-throttle.ts';
import { HashedBuckets, addressBlock } from '../src/limits/hashed-buckets.ts';
import { ERRORS } from '../src/domain/errors.ts';
import { adminCall } from './helpers/admin.ts';
import { ingestRoutes } from './helpers/dialects.ts';
import { startHub, tempDir, type TestHub } from './helpers/server.ts';
import { cli, cliJson } from './helpers/process.ts';

const clock = () => {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe('token buckets', async () => {
  const settings = {
    keyRequestsPerSecond: 100,
    keyEventsPerSecond: 10,
    tenantRequestsPerSecond: 100,
    tenantEventsPerSecond: 15,
    keyBytesPerSecond: 1000,
    tenantBytesPerSecond: 1e9,
    burstSeconds: 2,
  };

  test('a key gets its burst, then waits as long as its rate says; a refusal takes nothing', async () => {
    const c = clock();
    const limits = new IngestLimits(settings, new LocalBucketStore(), c.now);
    const a = { tenantId: 't', key: 'a' };
    assert.equal((await limits.admitEvents(a, 20)).outcome, 'admitted');
    const refused = await limits.admitEvents(a, 5);
    assert.equal(refused.outcome, 'rate_limited');
    assert.ok(refused.outcome === 'rate_limited' && refused.limit === 'key-events');
    assert.ok(refused.outcome === 'rate_limited' && Math.abs(refused.retryAfterSeconds - 0.5) < 1e-9);
    c.advance(500);
    assert.equal((await limits.admitEvents(a, 5)).outcome, 'admitted', 'the refusal took nothing');
  });

  test('a batch larger than the burst passes a full bucket and leaves it in debt', async () => {
    const c = clock();
    const limits = new IngestLimits(settings, new LocalBucketStore(), c.now);
    const a = { tenantId: 't', key: 'a' };
    assert.equal((await limits.admitEvents(a, 25)).outcome, 'admitted');
    const next = await limits.admitEvents(a, 1);
    assert.ok(next.outcome === 'rate_limited' && Math.abs(next.retryAfterSeconds - 0.6) < 1e-9);
  });

  test("the tenant's limit holds across its keys; another tenant is untouched", async () => {
    const c = clock();
    const limits = new IngestLimits(settings, new LocalBucketStore(), c.now);
    assert.equal((await limits.admitEvents({ tenantId: 't', key: 'a' }, 20)).outcome, 'admitted');
    const b = await limits.admitEvents({ tenantId: 't', key: 'b' }, 20);
    assert.ok(b.outcome === 'rate_limited' && b.limit === 'tenant-events');
    assert.equal((await limits.admitEvents({ tenantId: 'u', key: 'c' }, 20)).outcome, 'admitted');
  });

  test('bytes: a request is admitted by its size as sent, and what it decoded to is charged after', async () => {
    const c = clock();
    const limits = new IngestLimits(settings, new LocalBucketStore(), c.now);
    const a = { tenantId: 't', key: 'a' };
    assert.equal((await limits.admitRequest(a, 100)).outcome, 'admitted');
    limits.chargeBytes(a, 1900 + 500);
    const next = await limits.admitRequest(a, 100);
    assert.ok(next.outcome === 'rate_limited' && next.limit === 'key-bytes');
    assert.ok(next.outcome === 'rate_limited' && Math.abs(next.retryAfterSeconds - 0.6) < 1e-9);
  });

  test('hashed buckets: a fixed table, one slot per address block', async () => {
    const c = clock();
    const table = new HashedBuckets({ perSecond: 1, burst: 2 }, 1024, c.now);
    assert.equal(table.take('1.2.3.4'), 0);
    assert.equal(table.take('1.2.3.4'), 0);
    assert.ok(table.take('1.2.3.4') > 0);
    c.advance(1000);
    assert.equal(table.take('1.2.3.4'), 0);
    assert.equal(addressBlock('2001:db8:1:2:3:4:5:6'), addressBlock('2001:db8:1:2::9'));
    assert.notEqual(addressBlock('2001:db8:1:2::9'), addressBlock('2001:db8:1:3::9'));
    assert.equal(addressBlock('::ffff:10.0.0.1'), '10.0.0.1');
    // A socket closed before its request was handled: no address, and no exception.
    assert.equal(addressBlock(undefined), '');
  });

  test('auth throttle: per address and per key prefix, and nothing resets it', async () => {
    const c = clock();
    const throttle = new AuthThrottle(3, c.now);
    for (let i = 0; i < 3; i++) {
      assert.equal(throttle.refusal('9.9.9.9', `uh_read_Guess${i}`), null);
      throttle.failed('9.9.9.9', `uh_read_Guess${i}`);
    }
    assert.equal(throttle.refusal('9.9.9.9', 'uh_read_other')?.limit, 'address-failures');
    // The same key prefix from other addresses: one guesser behind many addresses.
    assert.equal(throttle.refusal('8.8.8.8', 'uh_read_Guessxyz')?.limit, 'key-prefix-failures');
    assert.equal(throttle.refusal('8.8.8.8', 'uh_read_Other'), null);
    c.advance(20_000);
    assert.equal(throttle.refusal('9.9.9.9', 'uh_read_other'), null, 'a minute refills the rate');
  });
});

describe('429 in every dialect', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub({
      limitKeyRequestsPerSecond: 1,
      limitBurstSeconds: 1,
      limitAuthFailuresPerMinute: 10,
    });
  });
  after(() => hub.close());

  test('past its limit a key gets 429 in its dialect’s envelope, with Retry-After and RateLimit fields, and nothing is stored', async () => {
    const routes = await ingestRoutes(hub);
    let n = 1000;
    for (const route of routes) {
      let refused = null;
      for (let i = 0; i < 4 && !refused; i++) {
        const res = await route.send(route.valid(n++));
        if (res.statusCode === 429) refused = res;
        else assert.ok(res.statusCode < 300, `${route.dialect}: ${res.statusCode} ${res.body}`);
      }
      assert.ok(refused, `${route.dialect}: no 429`);
      assert.equal(route.codeOf(refused), 'rate_limited', `${route.dialect}: ${refused.body}`);
      assert.ok(Number(refused.headers['retry-after']) >= 1, route.dialect);
      assert.match(String(refused.headers['ratelimit-policy']), /^"key-requests";q=1;w=1$/);
      assert.match(String(refused.headers.ratelimit), /^"key-requests";r=0;t=\d+$/);
      const before = await hub.settled();
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal(await hub.settled(), before, `${route.dialect}: the refused request stored nothing`);
    }
    const metrics = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(
      metrics,
      new RegExp(`usagehub_rate_limited_total\\{tenant="${hub.tenantId}",limit="key-requests"\\} [1-9]`),
    );
  });

  test('guessing keys: past the limit every attempt from the address waits, the right key too, on the API as at sign-in', async () => {
    const attempt = (key: string, ip: string) =>
      hub.app.inject({
        method: 'GET',
        url: '/v1/query/counts',
        headers: { authorization: `Bearer ${key}` },
        remoteAddress: ip,
      });
    for (let i = 0; i < 10; i++) {
      assert.equal((await attempt(`uh_read_wrong${i}`, '10.1.1.1')).statusCode, 401);
      // Another key's success in between resets nothing.
      if (i < 9) assert.equal((await attempt(hub.readKey, '10.1.1.1')).statusCode, 200);
    }
    const throttled = await attempt(hub.readKey, '10.1.1.1');
    assert.equal(throttled.statusCode, 429);
    assert.equal(throttled.json<{ error: { code: string } }>().error.code, 'too_many_attempts');
    assert.ok(Number(throttled.headers['retry-after']) >= 1);
    assert.equal(ERRORS.too_many_attempts.status, 429);
    const signIn = await hub.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { apiKey: hub.readKey },
      remoteAddress: '10.1.1.1',
    });
    assert.equal(signIn.statusCode, 429, 'the console’s sign-in shares the throttle');
    assert.equal((await attempt(hub.readKey, '10.1.1.2')).statusCode, 200, 'other addresses go on');
  });
});

describe('the official clients back off on 429', () => {
  let hub: TestHub;
  let base: string;
  before(async () => {
    hub = await startHub({ limitKeyEventsPerSecond: 20, limitBurstSeconds: 1 });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
  });
  after(() => hub.close());

  const storedIds = async (source: string): Promise<string[]> => {
    await hub.settled();
    return (await hub.get('/v1/export')).body
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { source: string; clientId: string })
      .filter((e) => e.source === source)
      .map((e) => e.clientId);
  };

  test('analytics-node and posthog-node: every event stored exactly once despite 429s', async () => {
    const source = async (kind: string) =>
      ((await adminCall(hub, 'POST', '/v1/sources', { kind, app: 'web' })) as { writeKey: string }).writeKey;
    const analytics = new Analytics({ writeKey: await source('segment'), host: base, maxEventsInBatch: 15 });
    for (let i = 0; i < 60; i++)
      analytics.track({ userId: `u${i}`, event: 'Clicked', messageId: `seg-${i}` });
    await analytics.closeAndFlush({ timeout: 30_000 });
    const segment = await storedIds('segment');
    assert.equal(segment.length, 60);
    assert.equal(new Set(segment).size, 60);

    const posthog = new PostHog(await source('posthog'), { host: base, flushAt: 20, fetchRetryDelay: 1000 });
    for (let i = 0; i < 60; i++)
      posthog.capture({
        distinctId: `p${i}`,
        event: 'Clicked',
        uuid: `01890000-0000-7000-8000-${String(i).padStart(12, '0')}`,
      });
    await posthog.shutdown(30_000);
    const ph = await storedIds('posthog');
    assert.equal(ph.length, 60);
    assert.equal(new Set(ph).size, 60);
    const metrics = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(
      metrics,
      /usagehub_rate_limited_total\{tenant="[^"]+",limit="key-events"\} [1-9]/,
      'the clients did meet the limit',
    );
  });
});

describe("a tenant's own limits and quotas", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub();
  });
  after(() => hub.close());

  const limits = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${hub.adminKey}` },
      ...(payload ? { payload } : {}),
    });
  const at = Date.now() - 1000;
  const send = (n: number, from: number) =>
    hub.send(
      Array.from({ length: n }, (_, i) => ({
        app: 'web',
        name: 'q',
        timestamp: at,
        id: `q-${from + i}`,
      })),
    );

  test('admin keys set them; the server’s limits stay the ceiling; other roles may not', async () => {
    const read = await hub.app.inject({
      method: 'GET',
      url: '/v1/limits',
      headers: { authorization: `Bearer ${hub.readKey}` },
    });
    assert.equal(read.statusCode, 403);
    const set = await limits('PUT', '/v1/limits', { eventsPerSecond: 1e9, eventsPerDay: 50 });
    assert.equal(set.statusCode, 200, set.body);
    const view = set.json<{
      server: { tenant: { eventsPerSecond: number } };
      tenant: { eventsPerDay: number };
      usage: { day: { quota: number } };
    }>();
    assert.equal(view.tenant.eventsPerDay, 50);
    assert.equal(view.usage.day.quota, 50);
    assert.equal(view.server.tenant.eventsPerSecond, 20_000, 'a higher rate than the server’s has no effect');
    const bad = await limits('PUT', '/v1/limits/keys/src_x', { eventsPerDay: 5 });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /eventsPerDay/);
    const unknown = await limits('PUT', '/v1/limits', { eventsPerHour: 5 });
    assert.equal(unknown.statusCode, 400);
  });

  test('a quota per day refuses the batch that would pass it, with its own code, counted; new events only', async () => {
    // A batch is admitted when its size fits what is left; only its new events are counted.
    assert.equal((await send(20, 0)).statusCode, 200);
    assert.equal((await send(20, 0)).statusCode, 200, 'a resend fits: 20 counted, 20 more would fit');
    const over = await send(31, 100);
    assert.equal(over.statusCode, 429, over.body);
    assert.equal(over.json<{ error: { code: string } }>().error.code, 'quota_exceeded');
    const wait = Number(over.headers['retry-after']);
    assert.ok(wait >= 1 && wait <= 86_400, `Retry-After ${wait}`);
    const fits = await send(30, 200);
    assert.equal(fits.statusCode, 200, `what fits still passes: 20 + 30: ${fits.body}`);
    const metrics = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(
      metrics,
      new RegExp(`usagehub_quota_refused_events_total\\{tenant="${hub.tenantId}",period="day"\\} 31`),
    );
    // The count is written to the store and read back: a restart keeps it.
    await new Promise((r) => setTimeout(r, 1500));
    const view = (await limits('GET', '/v1/limits')).json<{ usage: { day: { events: number } } }>();
    assert.equal(view.usage.day.events, 50);
  });

  test("a key's own rate, lower than the tenant's, holds that key only; removing it restores the others'", async () => {
    await limits('PUT', '/v1/limits', {});
    const ingestKeyId = (await hub.runtime.deps.auth.authenticate(hub.ingestKey))!.keyId;
    const set = await limits('PUT', `/v1/limits/keys/${ingestKeyId}`, { requestsPerSecond: 1 });
    assert.equal(set.statusCode, 200, set.body);
    const answers: number[] = [];
    for (let i = 0; i < 4; i++) answers.push((await send(1, 1000 + i)).statusCode);
    assert.ok(answers.includes(429), answers.join());
    assert.equal((await limits('DELETE', `/v1/limits/keys/${ingestKeyId}`)).statusCode, 200);
    await new Promise((r) => setTimeout(r, 1100));
    for (let i = 0; i < 4; i++) assert.equal((await send(1, 2000 + i)).statusCode, 200);
  });
});

test('usagehub limits: set, show and clear from the command line', async () => {
  const data = tempDir();
  await cliJson(['--data', data, 'init']);
  await cliJson(['--data', data, 'limits', 'set', '--events-per-day', '1000', '--events-per-second', '50']);
  await cliJson(['--data', data, 'limits', 'set', '--key-id', 'src_abc', '--requests-per-second', '2']);
  const shown = await cliJson<{
    tenant: object;
    keys: Record<string, object>;
    usage: { day: { quota: number } };
  }>(['--data', data, 'limits', 'show']);
  assert.deepEqual(shown.tenant, { eventsPerSecond: 50, eventsPerDay: 1000 });
  assert.deepEqual(shown.keys, { src_abc: { requestsPerSecond: 2 } });
  assert.equal(shown.usage.day.quota, 1000);
  const refused = await cli([
    '--data',
    data,
    'limits',
    'set',
    '--key-id',
    'src_abc',
    '--events-per-day',
    '3',
  ]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /eventsPerDay is a tenant's quota/);
  const cleared = await cliJson<{ keys: object }>(['--data', data, 'limits', 'clear', '--key-id', 'src_abc']);
  assert.deepEqual(cleared.keys, {});
});
