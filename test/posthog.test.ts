/**
 * PostHog's capture API, driven through HTTP: the routes, every body wrapping, the
 * token's places, dedup by uuid, and the documented errors (which store nothing).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import LZString from 'lz-string';
import type { LightMyRequestResponse } from 'fastify';
import type { UsageEvent } from '../src/domain/event.ts';
import { adminCall } from './helpers/admin.ts';
import { startHub, type TestHub } from './helpers/server.ts';

describe('PostHog capture API', () => {
  let hub: TestHub;
  let token: string;
  const inject = (
    method: 'GET' | 'POST',
    url: string,
    payload?: string | Buffer,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ): Promise<LightMyRequestResponse> => hub.app.inject({ method, url, headers, payload });
  const json = (v: unknown) => JSON.stringify(v);
  const event = (name: string, o: Record<string, unknown> = {}) => ({
    event: name,
    distinct_id: 'd1',
    properties: { plan: 'pro' },
    timestamp: '2026-11-30T09:00:00Z',
    ...o,
  });
  const exported = async (name: string): Promise<UsageEvent[]> => {
    await hub.settled();
    const res = await hub.get(`/v1/export?name=${encodeURIComponent(name)}`);
    return res.body
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as UsageEvent)
      .filter((e) => e.source === 'posthog');
  };
  const refused = async (res: LightMyRequestResponse, status: number, code: string, attr?: string) => {
    const before = await hub.settled();
    assert.equal(res.statusCode, status, res.body);
    const body = res.json<{ type: string; code: string; detail: string; attr: string | null }>();
    assert.equal(body.code, code, res.body);
    assert.equal(body.type, status === 401 ? 'authentication_error' : 'validation_error');
    assert.ok(body.detail.length > 0);
    if (attr !== undefined) assert.equal(body.attr, attr);
    assert.equal(await hub.settled(), before, 'nothing stored');
  };

  before(async () => {
    // Many of these requests carry no key on purpose: the key-less budget per address is not what they test.
    hub = await startHub({ limitUnauthenticatedPerSecond: 1000 });
    token = (
      (await adminCall(hub, 'POST', '/v1/sources', { kind: 'posthog', app: 'web' })) as { writeKey: string }
    ).writeKey;
  });
  after(() => hub.close());

  test('each route, with and without its trailing slash, answers {"status":"Ok"} and stores the event', async () => {
    const paths = ['/batch', '/capture', '/e', '/i/v0/e', '/track'];
    for (const path of paths) {
      for (const url of [path, `${path}/`]) {
        const res = await inject(
          'POST',
          url,
          json({ api_key: token, ...event('Route', { uuid: `r-${url}` }) }),
        );
        assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
        assert.deepEqual(res.json(), { status: 'Ok' });
      }
    }
    const stored = await exported('Route');
    assert.equal(stored.length, paths.length * 2);
    const [one] = stored;
    assert.equal(one?.actor.userId, 'd1');
    assert.equal(one?.occurredAt, Date.parse('2026-11-30T09:00:00Z'));
    assert.equal(one?.properties.plan, 'pro');
    assert.equal(one?.appId, hub.appId);
  });

  test('every wrapping: batch, list, gzip (header, query, magic bytes), lz64 form, base64 data= by POST and GET', async () => {
    const batch = (uuid: string) => json({ api_key: token, batch: [event('Wrapped', { uuid })] });
    const cases: [string, LightMyRequestResponse][] = [
      ['batch', await inject('POST', '/batch', batch('w1'))],
      [
        'list, token in properties',
        await inject('POST', '/e', json([event('Wrapped', { uuid: 'w2', properties: { token } })])),
      ],
      [
        'gzip header',
        await inject('POST', '/batch', gzipSync(batch('w3')), {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        }),
      ],
      [
        'gzip-js query',
        await inject('POST', '/e/?compression=gzip-js', gzipSync(batch('w4')), {
          'content-type': 'text/plain',
        }),
      ],
      [
        'magic bytes',
        await inject('POST', '/i/v0/e/', gzipSync(batch('w5')), {
          'content-type': 'application/octet-stream',
        }),
      ],
      [
        'lz64 form',
        await inject(
          'POST',
          '/e/',
          `compression=lz64&data=${encodeURIComponent(LZString.compressToBase64(batch('w6')))}`,
          { 'content-type': 'application/x-www-form-urlencoded' },
        ),
      ],
      [
        'base64 form',
        await inject('POST', '/capture/', `data=${Buffer.from(batch('w7')).toString('base64')}`, {
          'content-type': 'application/x-www-form-urlencoded',
        }),
      ],
      [
        'base64 GET',
        await inject(
          'GET',
          `/e/?data=${encodeURIComponent(Buffer.from(batch('w8')).toString('base64'))}`,
          undefined,
          {},
        ),
      ],
      [
        '$token',
        await inject('POST', '/capture', json({ $token: token, ...event('Wrapped', { uuid: 'w9' }) })),
      ],
    ];
    for (const [what, res] of cases) assert.equal(res.statusCode, 200, `${what}: ${res.body}`);
    assert.deepEqual((await exported('Wrapped')).map((e) => e.clientId).sort(), [
      'w1',
      'w2',
      'w3',
      'w4',
      'w5',
      'w6',
      'w7',
      'w8',
      'w9',
    ]);
  });

  test('uuid is the dedup key: a resend is stored once', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await inject('POST', '/batch', json({ api_key: token, batch: [event('Again', { uuid: 'u-1' })] })))
          .statusCode,
        200,
      );
    assert.equal((await exported('Again')).length, 1);
  });

  test('a missing event or distinct_id: 400 naming the field; the whole batch is refused', async () => {
    const res = await inject(
      'POST',
      '/batch',
      json({ api_key: token, batch: [event('Fine'), { distinct_id: 'x' }] }),
    );
    await refused(res, 400, 'validation_failed', 'event');
    await refused(
      await inject('POST', '/capture', json({ api_key: token, event: 'NoOne' })),
      400,
      'validation_failed',
      'distinct_id',
    );
    assert.equal((await exported('Fine')).length, 0);
  });

  test('undecodable bodies, unknown or missing keys, and bodies past the limits', async () => {
    const gz = { 'content-type': 'text/plain' };
    await refused(
      await inject('POST', '/e/?compression=gzip', Buffer.from('not gzip at all'), gz),
      400,
      'invalid_body',
    );
    await refused(await inject('POST', '/e/', Buffer.from([0x1f, 0x8b, 1, 2, 3]), gz), 400, 'invalid_body');
    await refused(
      await inject('POST', '/e/', 'data=%%%%', { 'content-type': 'application/x-www-form-urlencoded' }),
      400,
      'invalid_body',
    );
    await refused(
      await inject('POST', '/e/?compression=lz64', 'data=@@@', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
      400,
      'invalid_body',
    );
    await refused(await inject('POST', '/e/', 'bm90IGpzb24=', gz), 400, 'invalid_body');
    await refused(
      await inject('POST', '/batch', json({ api_key: 'phc_unknown', batch: [event('K')] })),
      401,
      'unauthorized',
    );
    await refused(await inject('POST', '/batch', json({ batch: [event('K')] })), 401, 'unauthorized');
    const big = 'x'.repeat(2 * 1024 * 1024 + 10);
    await refused(
      await inject('POST', '/capture', json({ api_key: token, ...event('Big', { properties: { big } }) })),
      413,
      'body_too_large',
    );
    const huge = json({
      api_key: token,
      batch: [event('Huge', { properties: { big: 'y'.repeat(21 * 1024 * 1024) } })],
    });
    await refused(await inject('POST', '/batch', huge), 413, 'body_too_large');
    // A gzip bomb stops inflating at the limit.
    await refused(await inject('POST', '/batch', gzipSync(Buffer.from(huge)), gz), 413, 'body_too_large');
  });

  test('CORS: browsers on any site may send to the capture routes, and to no other route', async () => {
    const preflight = (url: string) =>
      hub.app.inject({
        method: 'OPTIONS',
        url,
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      });
    const open = await preflight('/e/?compression=gzip-js');
    assert.equal(open.statusCode, 204);
    assert.equal(open.headers['access-control-allow-origin'], 'https://shop.example');
    assert.match(String(open.headers['access-control-allow-methods']), /POST/);
    const sent = await inject('POST', '/e/', json({ api_key: token, ...event('Cors', { uuid: 'c1' }) }), {
      'content-type': 'application/json',
      origin: 'https://shop.example',
    });
    assert.equal(sent.statusCode, 200);
    assert.equal(sent.headers['access-control-allow-origin'], 'https://shop.example');
    assert.equal((await preflight('/v1/events')).statusCode, 404);
    const admin = await hub.app.inject({
      method: 'GET',
      url: '/v1/apps',
      headers: { origin: 'https://shop.example' },
    });
    assert.equal(admin.headers['access-control-allow-origin'], undefined);
  });
});
