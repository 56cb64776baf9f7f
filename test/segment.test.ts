/**
 * Segment's HTTP Tracking API, driven through HTTP: write keys from sources, the routes
 * and their bodies, the documented limits and required fields, dedup by messageId.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { UsageEvent } from '../src/domain/event.ts';
import { adminCall } from './helpers/admin.ts';
import { startHub, type TestHub } from './helpers/server.ts';

const basic = (key: string, colon = true) =>
  `Basic ${Buffer.from(colon ? `${key}:` : key).toString('base64')}`;

describe('Segment HTTP Tracking API', () => {
  let hub: TestHub;
  let writeKey: string;
  const post = (
    url: string,
    body: unknown,
    headers: Record<string, string> = { authorization: basic(writeKey) },
  ): Promise<LightMyRequestResponse> =>
    hub.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const exported = async (name: string): Promise<UsageEvent[]> => {
    await hub.settled();
    const res = await hub.get(`/v1/export?name=${encodeURIComponent(name)}&source=segment`);
    return res.body
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as UsageEvent);
  };
  const rejectedAndNothingStored = async (res: LightMyRequestResponse, status: number, code: string) => {
    const before = await hub.settled();
    assert.equal(res.statusCode, status, res.body);
    const body = res.json<{ success: boolean; error: { code: string } }>();
    assert.equal(body.success, false);
    assert.equal(body.error.code, code, res.body);
    assert.equal(await hub.settled(), before);
  };

  before(async () => {
    hub = await startHub();
    const source = (await adminCall(hub, 'POST', '/v1/sources', { kind: 'segment', app: 'web' })) as {
      writeKey: string;
      app: string;
      kind: string;
    };
    assert.equal(source.kind, 'segment');
    assert.equal(source.app, hub.appId);
    writeKey = source.writeKey;
  });
  after(() => hub.close());

  test('a batch of every type is stored, each with its user, name, properties and time', async () => {
    const t = '2026-11-30T10:00:00.000Z';
    const res = await post('/v1/batch', {
      batch: [
        {
          type: 'track',
          event: 'Video Played',
          userId: 'u1',
          properties: { length: 12 },
          timestamp: t,
          messageId: 'm-1',
        },
        {
          type: 'identify',
          userId: 'u1',
          traits: { email: 'ann@acme.com', plan: 'pro' },
          timestamp: t,
          messageId: 'm-2',
        },
        {
          type: 'page',
          anonymousId: 'a1',
          name: 'Pricing',
          properties: { path: '/pricing' },
          messageId: 'm-3',
        },
        { type: 'screen', userId: 'u1', name: 'Home', messageId: 'm-4' },
        { type: 'group', userId: 'u1', groupId: 'g1', traits: { name: 'Acme' }, messageId: 'm-5' },
        { type: 'alias', userId: 'u1', previousId: 'a1', messageId: 'm-6' },
      ],
      context: { library: { name: 'curl' } },
      sentAt: t,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { success: true });
    const [played] = await exported('Video Played');
    assert.ok(played);
    assert.equal(played.source, 'segment');
    assert.equal(played.appId, hub.appId);
    assert.equal(played.actor.userId, 'u1');
    assert.equal(played.occurredAt, Date.parse(t));
    assert.deepEqual(played.properties, { length: 12 });
    assert.equal(played.clientId, 'm-1');
    assert.deepEqual(
      (played.raw as { context: unknown }).context,
      { library: { name: 'curl' } },
      'batch context merged',
    );
    const [identify] = await exported('identify');
    assert.equal(identify?.actor.email, 'ann@acme.com');
    assert.equal(identify?.context.company, 'acme.com');
    const [page] = await exported('page');
    assert.equal(page?.actor.deviceId, 'a1');
    assert.deepEqual(page?.properties, { path: '/pricing', name: 'Pricing' });
    assert.ok(Math.abs(page!.occurredAt - Date.now()) < 60_000, 'no timestamp: the time it arrived');
    assert.equal((await exported('group'))[0]?.properties.groupId, 'g1');
    assert.equal((await exported('alias'))[0]?.properties.previousId, 'a1');
    assert.equal((await exported('screen'))[0]?.properties.name, 'Home');
  });

  test('single routes, the browser routes as text/plain with writeKey in the body, Basic without the colon', async () => {
    const t = '2026-11-29T08:00:00Z';
    for (const [url, headers, body] of [
      [
        '/v1/track',
        { authorization: basic(writeKey, false) },
        { event: 'Single', userId: 'u2', timestamp: t },
      ],
      ['/v1/t', { 'content-type': 'text/plain' }, { event: 'Single', userId: 'u3', timestamp: t, writeKey }],
      [
        '/v1/b',
        { 'content-type': 'text/plain' },
        { batch: [{ type: 'track', event: 'Single', userId: 'u4', timestamp: t }], writeKey },
      ],
    ] as const) {
      const res = await post(url, body, headers);
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      assert.deepEqual(res.json(), { success: true });
    }
    const stored = await exported('Single');
    assert.deepEqual(stored.map((e) => e.actor.userId).sort(), ['u2', 'u3', 'u4']);
    assert.equal(
      stored.find((e) => e.actor.userId === 'u3')?.context.ip,
      '127.0.0.1',
      'browser: the request address',
    );
    assert.equal(stored.find((e) => e.actor.userId === 'u2')?.context.ip, undefined, 'server library: none');
  });

  test('a resend with the same messageId is stored once; without one, the same content is the same event', async () => {
    const msg = { type: 'track', event: 'Resent', userId: 'u5', timestamp: '2026-11-28T00:00:00Z' };
    for (let i = 0; i < 2; i++) {
      assert.equal((await post('/v1/batch', { batch: [{ ...msg, messageId: 'same' }] })).statusCode, 200);
      assert.equal((await post('/v1/batch', { batch: [msg] })).statusCode, 200);
    }
    assert.equal((await exported('Resent')).length, 2);
  });

  test('the documented limits: 32 KB per message, 500 KB per batch, 2,500 messages: 400 naming the limit', async () => {
    const big = { type: 'track', event: 'Big', userId: 'u', properties: { blob: 'x'.repeat(33 * 1024) } };
    let res = await post('/v1/batch', { batch: [big] });
    await rejectedAndNothingStored(res, 400, 'validation_failed');
    assert.match(
      res.json<{ error: { details: { code: string; reason: string }[] } }>().error.details[0]!.reason,
      /32 KB/,
    );
    res = await post('/v1/track', { ...big, type: undefined });
    await rejectedAndNothingStored(res, 400, 'body_too_large');
    assert.match(res.body, /32 KB per message/);
    const many = Array.from({ length: 2501 }, (_, i) => ({ type: 'track', event: 'Many', userId: `u${i}` }));
    res = await post('/v1/batch', { batch: many });
    await rejectedAndNothingStored(res, 400, 'batch_too_large');
    assert.match(res.body, /2500/);
    const heavy = Array.from({ length: 30 }, () => ({ ...big, properties: { blob: 'y'.repeat(20 * 1024) } }));
    res = await post('/v1/batch', { batch: heavy });
    await rejectedAndNothingStored(res, 400, 'body_too_large');
    assert.match(res.body, /500 KB per batch/);
  });

  test('required fields: each problem named with its index and field; one bad message stores nothing', async () => {
    const res = await post('/v1/batch', {
      batch: [
        { type: 'track', event: 'Fine', userId: 'u' },
        { type: 'track', userId: 'u' },
        { event: 'NoType', userId: 'u' },
        { type: 'track', event: 'NoUser' },
        { type: 'group', userId: 'u' },
        { type: 'alias', userId: 'u' },
        { type: 'track', event: 'BadTime', userId: 'u', timestamp: 'yesterday' },
        'not an object',
      ],
    });
    await rejectedAndNothingStored(res, 400, 'validation_failed');
    const details = res.json<{ error: { details: { index: number; field: string; code: string }[] } }>().error
      .details;
    assert.deepEqual(
      details.map((d) => `${d.index}:${d.field}:${d.code}`),
      [
        '1:event:field_required',
        '2:type:field_required',
        '3:userId:field_required',
        '4:groupId:field_required',
        '5:previousId:field_required',
        '6:timestamp:field_format',
        '7:(message):field_type',
      ],
    );
    assert.equal((await exported('Fine')).length, 0);
  });

  test('write keys: unknown, missing, another kind, revoked (stops at once in this process)', async () => {
    const msg = { batch: [{ type: 'track', event: 'Keyed', userId: 'u' }] };
    await rejectedAndNothingStored(
      await post('/v1/batch', msg, { authorization: basic('wks_nope') }),
      401,
      'unauthorized',
    );
    await rejectedAndNothingStored(await post('/v1/batch', msg, {}), 401, 'unauthorized');
    const ph = (await adminCall(hub, 'POST', '/v1/sources', { kind: 'posthog', app: 'web' })) as {
      writeKey: string;
    };
    await rejectedAndNothingStored(
      await post('/v1/batch', msg, { authorization: basic(ph.writeKey) }),
      401,
      'unauthorized',
    );
    const other = (await adminCall(hub, 'POST', '/v1/sources', { kind: 'segment', app: 'web' })) as {
      id: string;
      writeKey: string;
    };
    assert.equal((await post('/v1/batch', msg, { authorization: basic(other.writeKey) })).statusCode, 200);
    const revoked = (await adminCall(hub, 'DELETE', `/v1/sources/${other.id}`)) as {
      revokedAt: string | null;
    };
    assert.ok(revoked.revokedAt);
    await rejectedAndNothingStored(
      await post('/v1/batch', msg, { authorization: basic(other.writeKey) }),
      401,
      'unauthorized',
    );
  });

  test('bodies that are not JSON, or not a batch, are refused in the envelope', async () => {
    await rejectedAndNothingStored(await post('/v1/batch', '{"batch": ['), 400, 'invalid_body');
    await rejectedAndNothingStored(await post('/v1/batch', { batch: 'x' }), 400, 'invalid_body');
    await rejectedAndNothingStored(await post('/v1/track', '[1]'), 400, 'validation_failed');
  });
});
