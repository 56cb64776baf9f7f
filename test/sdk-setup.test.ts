/**
 * What the SDKs ask besides their events, and how they label what they send: PostHog's
 * `/flags` and `/decide` answered as for a project without flags, Segment's settings
 * for Analytics.js, bodies read as JSON whatever their Content-Type, and write keys held
 * to the web origins their source allows.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { adminCall } from './helpers/admin.ts';
import { startHub, type TestHub } from './helpers/server.ts';

interface SourceView {
  id: string;
  writeKey: string;
  allowedOrigins: string[];
}

describe('SDK set-up calls and labels', () => {
  let hub: TestHub;
  let segmentKey: string;
  let posthogKey: string;
  const source = async (kind: string, extra: object = {}) =>
    (await adminCall(hub, 'POST', '/v1/sources', { kind, app: 'web', ...extra })) as SourceView;
  const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const stored = async (name: string) => {
    await hub.settled();
    const res = await hub.get(`/v1/export?name=${encodeURIComponent(name)}`);
    return res.body.trim().split('\n').filter(Boolean).length;
  };

  before(async () => {
    hub = await startHub();
    segmentKey = (await source('segment')).writeKey;
    posthogKey = (await source('posthog')).writeKey;
  });
  after(() => hub.close());

  test('PostHog /flags?v=2, /flags?v=1 and /decide: valid, empty, nothing enabled; an unknown token is refused', async () => {
    const ask = (url: string, payload: object, headers: Record<string, string> = {}) =>
      hub.app.inject({
        method: 'POST',
        url,
        payload,
        headers: { origin: 'https://shop.example', ...headers },
      });
    const v2 = await ask('/flags/?v=2&config=true', { token: posthogKey, distinct_id: 'u1' });
    assert.equal(v2.statusCode, 200, v2.body);
    const flags = v2.json<Record<string, unknown>>();
    assert.deepEqual(flags.flags, {});
    assert.equal(flags.errorsWhileComputingFlags, false);
    assert.equal(flags.sessionRecording, false, 'config=true carries the capture settings');
    assert.equal(v2.headers['access-control-allow-origin'], 'https://shop.example');
    const v1 = (await ask('/flags/?v=1', { api_key: posthogKey, distinct_id: 'u1' })).json<
      Record<string, unknown>
    >();
    assert.deepEqual(
      [v1.featureFlags, v1.featureFlagPayloads, v1.errorsWhileComputingFlags],
      [{}, {}, false],
    );
    // posthog-js sends its flags request base64-encoded in a form field.
    const form = `data=${encodeURIComponent(Buffer.from(JSON.stringify({ token: posthogKey, distinct_id: 'u1' })).toString('base64'))}`;
    const decide = await hub.app.inject({
      method: 'POST',
      url: '/decide/?v=3',
      payload: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(decide.statusCode, 200, decide.body);
    assert.deepEqual(decide.json<Record<string, unknown>>().featureFlags, {});
    const wrong = await ask('/flags/?v=2', { token: 'phc_nobody', distinct_id: 'u1' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json<{ type: string }>().type, 'authentication_error');
    const config = await hub.app.inject({ method: 'GET', url: `/array/${posthogKey}/config` });
    assert.equal(config.statusCode, 200);
    assert.equal(config.json<{ surveys: boolean }>().surveys, false);
    assert.equal(await stored('$feature_flag_called'), 0, 'nothing stored');
  });

  test('Segment settings for Analytics.js: this host as the API host, known keys only, cacheable, open to any origin', async () => {
    const res = await hub.app.inject({
      method: 'GET',
      url: `/v1/projects/${segmentKey}/settings`,
      headers: { host: 'hub.example:8080', origin: 'https://shop.example' },
    });
    assert.equal(res.statusCode, 200, res.body);
    const io = res.json<{ integrations: Record<string, Record<string, unknown>> }>().integrations[
      'Segment.io'
    ];
    assert.deepEqual([io?.apiKey, io?.apiHost, io?.protocol], [segmentKey, 'hub.example:8080/v1', 'http']);
    assert.match(String(res.headers['cache-control']), /public, max-age=\d+/);
    assert.equal(res.headers['access-control-allow-origin'], 'https://shop.example');
    const preflight = await hub.app.inject({
      method: 'OPTIONS',
      url: `/v1/projects/${segmentKey}/settings`,
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://shop.example');
    const unknown = await hub.app.inject({ method: 'GET', url: '/v1/projects/wks_nobody/settings' });
    assert.equal(unknown.statusCode, 401);
    const posthogKeyHere = await hub.app.inject({
      method: 'GET',
      url: `/v1/projects/${posthogKey}/settings`,
    });
    assert.equal(posthogKeyHere.statusCode, 401, 'a PostHog key is not a Segment key');
  });

  test('Segment bodies are JSON whatever their label: form-urlencoded gzip, none, text/plain; not JSON is refused', async () => {
    const body = (event: string) => JSON.stringify({ batch: [{ type: 'track', event, userId: 'u1' }] });
    const send = (payload: Buffer | string, headers: Record<string, string>) =>
      hub.app.inject({
        method: 'POST',
        url: '/v1/batch',
        payload,
        headers: { authorization: basic(segmentKey), ...headers },
      });
    const gz = await send(gzipSync(body('Form Gzip')), {
      'content-type': 'application/x-www-form-urlencoded',
      'content-encoding': 'gzip',
    });
    assert.equal(gz.statusCode, 200, gz.body);
    const none = await send(body('No Label'), {});
    assert.equal(none.statusCode, 200, none.body);
    const octets = await send(body('Octets'), { 'content-type': 'application/octet-stream' });
    assert.equal(octets.statusCode, 200, octets.body);
    const notJson = await send('event=Nope&userId=u1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json<{ error: { code: string } }>().error.code, 'invalid_body');
    assert.deepEqual(
      [await stored('Form Gzip'), await stored('No Label'), await stored('Octets')],
      [1, 1, 1],
    );
    assert.equal(await stored('Nope'), 0);
  });

  test('PostHog bodies labelled as a form but holding JSON or gzip are read as such', async () => {
    const payload = (event: string) =>
      JSON.stringify({ api_key: posthogKey, batch: [{ event, distinct_id: 'u1', properties: {} }] });
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const plain = await hub.app.inject({
      method: 'POST',
      url: '/batch/',
      payload: payload('Form JSON'),
      headers: form,
    });
    assert.equal(plain.statusCode, 200, plain.body);
    const gz = await hub.app.inject({
      method: 'POST',
      url: '/batch/',
      payload: gzipSync(payload('Form Gzip PH')),
      headers: form,
    });
    assert.equal(gz.statusCode, 200, gz.body);
    assert.deepEqual([await stored('Form JSON'), await stored('Form Gzip PH')], [1, 1]);
  });

  test('a write key held to its allowed origins: another site is refused, a server client (no Origin) is not', async () => {
    const bad = await hub.app.inject({
      method: 'POST',
      url: '/v1/sources',
      headers: { authorization: `Bearer ${hub.adminKey}` },
      payload: { kind: 'posthog', app: 'web', allowedOrigins: ['https://shop.example/path'] },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<{ error: { code: string } }>().error.code, 'invalid_request');
    const ph = await source('posthog', { allowedOrigins: ['https://Shop.example/'] });
    assert.deepEqual(ph.allowedOrigins, ['https://shop.example'], 'normalised');
    const capture = (origin: string | undefined, event: string) =>
      hub.app.inject({
        method: 'POST',
        url: '/e/',
        payload: { api_key: ph.writeKey, event, distinct_id: 'u1', properties: {} },
        headers: origin ? { origin } : {},
      });
    assert.equal((await capture('https://shop.example', 'From Shop')).statusCode, 200);
    assert.equal((await capture(undefined, 'From Server')).statusCode, 200);
    const foreign = await capture('https://copycat.example', 'From Copycat');
    assert.equal(foreign.statusCode, 403);
    assert.equal(foreign.json<{ code: string }>().code, 'origin_not_allowed');
    const flags = await hub.app.inject({
      method: 'POST',
      url: '/flags/?v=2',
      payload: { token: ph.writeKey, distinct_id: 'u1' },
      headers: { origin: 'https://copycat.example' },
    });
    assert.equal(flags.statusCode, 403);

    const seg = await source('segment', { allowedOrigins: ['https://shop.example'] });
    const settings = await hub.app.inject({
      method: 'GET',
      url: `/v1/projects/${seg.writeKey}/settings`,
      headers: { origin: 'https://copycat.example' },
    });
    assert.equal(settings.statusCode, 403);
    const track = await hub.app.inject({
      method: 'POST',
      url: '/v1/t',
      payload: JSON.stringify({ writeKey: seg.writeKey, type: 'track', event: 'From Copycat', userId: 'u1' }),
      headers: { origin: 'https://copycat.example', 'content-type': 'text/plain' },
    });
    assert.equal(track.statusCode, 403);
    // Lifting the restriction takes effect at once on this process.
    const opened = (await adminCall(hub, 'PATCH', `/v1/sources/${ph.id}`, {
      allowedOrigins: [],
    })) as SourceView;
    assert.deepEqual(opened.allowedOrigins, []);
    assert.equal((await capture('https://copycat.example', 'After Opening')).statusCode, 200);
    assert.deepEqual(
      [
        await stored('From Shop'),
        await stored('From Server'),
        await stored('From Copycat'),
        await stored('After Opening'),
      ],
      [1, 1, 0, 1],
    );
  });
});
