/**
 * The Live API, against a real receiver on 127.0.0.1 built with the published receiver
 * SDK: verification, signed deliveries, filters, retries through failures (500s, a
 * dropped connection, Retry-After), pause and resume, the address guard.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ev, startHub, type TestHub } from './helpers/server.ts';
import { LiveApi, Receiver } from './helpers/scripted-receiver.ts';
import { Webhook } from 'standardwebhooks';
import { retryDelayMs } from '../src/live/live.worker.ts';

async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Endpoint {
  id: string;
  url: string;
  publicKey: string;
  privateKey: string;
  standardWebhooksSecret: string;
  state: string;
  verifyError: string | null;
}

describe('Live API', () => {
  let hub: TestHub;
  let receiver: Receiver;
  let url: string;
  const admin = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: object) =>
    hub.app.inject({ method, url: path, headers: { authorization: `Bearer ${hub.adminKey}` }, payload });
  const create = async (body: object): Promise<Endpoint> => {
    const res = await admin('POST', '/v1/live/endpoints', body);
    assert.equal(res.statusCode, 201, res.body);
    return res.json<Endpoint>();
  };
  const verify = async (e: Endpoint) => {
    receiver.keys = { publicKey: e.publicKey, privateKey: e.privateKey };
    const res = await admin('POST', `/v1/live/endpoints/${e.id}/verify`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ verified: boolean; status: number | null; error: string | null; endpoint: Endpoint }>();
  };

  before(async () => {
    hub = await startHub({
      liveAllowAddresses: '127.0.0.0/8',
      liveTimeoutMs: 1000,
      liveFailingAfterSeconds: 1,
    });
    receiver = new Receiver();
    url = await receiver.start();
  });
  after(async () => {
    await hub.close();
    await receiver.stop();
  });

  test('nothing is sent before verification; the challenge is answered with the SDK; deliveries are signed', async () => {
    const e = await create({ url, description: 'crm sync', filters: ['usagehub.event.native.*'] });
    assert.equal(e.state, 'unverified');
    assert.equal((await hub.send([ev({ id: 'before-verify' })])).statusCode, 200);
    await hub.settled();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(receiver.posts.length, 0, 'nothing before verification');

    const v = await verify(e);
    assert.deepEqual([v.verified, v.error, v.endpoint.state], [true, null, 'active']);

    assert.equal((await hub.send([ev({ id: 'after-verify', name: 'login' })])).statusCode, 200);
    const post = await until('a delivery', () => receiver.posts[0]);
    assert.equal(post.headers['content-type'], 'application/json');
    const sdk = new LiveApi(e.privateKey, e.publicKey);
    assert.equal(
      sdk.httpGateway.validate(
        String(post.headers['x-notificare-public-key']),
        post.body,
        String(post.headers['x-notificare-signature']),
      ),
      true,
      'the SDK validates the signature',
    );
    const id = String(post.headers['webhook-id']);
    const ts = String(post.headers['webhook-timestamp']);
    const expected = `v1,${createHmac('sha256', e.privateKey).update(`${id}.${ts}.${post.body}`).digest('base64')}`;
    assert.equal(post.headers['webhook-signature'], expected, 'Standard Webhooks signature');
    const body = JSON.parse(post.body) as {
      service: string;
      type: string;
      data: Record<string, unknown>;
      timestamp: number;
    };
    assert.deepEqual(Object.keys(body).sort(), ['data', 'service', 'timestamp', 'type']);
    assert.equal(body.service, 'crm sync');
    assert.equal(body.type, 'usagehub.event.native.login');
    assert.equal(body.data.clientId, 'after-verify');
    assert.equal(typeof body.timestamp, 'number');
    await admin('DELETE', `/v1/live/endpoints/${e.id}`);
  });

  test('the whsec_ secret verifies deliveries with the standardwebhooks package, unchanged; it rotates with the keys', async () => {
    const e = await create({ url, filters: ['usagehub.event.native.*'] });
    assert.match(e.standardWebhooksSecret, /^whsec_[A-Za-z0-9+/]+=*$/);
    await verify(e);
    const before = receiver.posts.length;
    assert.equal((await hub.send([ev({ id: 'standard-webhooks' })])).statusCode, 200);
    const post = await until('a delivery', () => receiver.posts[before]);
    const wh = new Webhook(e.standardWebhooksSecret);
    const headers = {
      'webhook-id': String(post.headers['webhook-id']),
      'webhook-timestamp': String(post.headers['webhook-timestamp']),
      'webhook-signature': String(post.headers['webhook-signature']),
    };
    const verified = wh.verify(post.body, headers) as { data: { clientId: string } };
    assert.equal(verified.data.clientId, 'standard-webhooks');
    assert.throws(() => wh.verify(post.body.replace('standard-webhooks', 'forged'), headers));
    const moved = await admin('PATCH', `/v1/live/endpoints/${e.id}`, { url: `${url}?moved` });
    assert.notEqual(moved.json<Endpoint>().standardWebhooksSecret, e.standardWebhooksSecret, 'rotated');
    await admin('DELETE', `/v1/live/endpoints/${e.id}`);
  });

  test('failed verifications say why: a wrong answer, a status, a timeout, a refused address', async () => {
    const e = await create({ url });
    receiver.challengeAnswer = (_a, res) => res.writeHead(200).end('not the signature');
    assert.match((await verify(e)).error!, /not the challenge's signature/);
    receiver.challengeAnswer = (_a, res) => res.writeHead(500).end('boom');
    const failed = await verify(e);
    assert.equal(failed.status, 500);
    assert.match(failed.error!, /answered 500: boom/);
    receiver.challengeAnswer = () => {}; // never answers
    assert.match((await verify(e)).error!, /timed out/);
    receiver.challengeAnswer = null;
    assert.equal((await verify(e)).verified, true);

    const guarded = await startHub();
    try {
      const res = await guarded.app.inject({
        method: 'POST',
        url: '/v1/live/endpoints',
        headers: { authorization: `Bearer ${guarded.adminKey}` },
        payload: { url },
      });
      const id = res.json<Endpoint>().id;
      const v = await guarded.app.inject({
        method: 'POST',
        url: `/v1/live/endpoints/${id}/verify`,
        headers: { authorization: `Bearer ${guarded.adminKey}` },
      });
      assert.match(v.json<{ error: string }>().error, /refused: 127\.0\.0\.1 is a loopback address/);
      const named = await guarded.app.inject({
        method: 'POST',
        url: '/v1/live/endpoints',
        headers: { authorization: `Bearer ${guarded.adminKey}` },
        payload: { url: url.replace('127.0.0.1', 'localhost') },
      });
      const byName = await guarded.app.inject({
        method: 'POST',
        url: `/v1/live/endpoints/${named.json<Endpoint>().id}/verify`,
        headers: { authorization: `Bearer ${guarded.adminKey}` },
      });
      assert.match(
        byName.json<{ error: string }>().error,
        /refused: localhost resolves to .*loopback/,
        'checked after DNS too',
      );
    } finally {
      await guarded.close();
    }
    await admin('DELETE', `/v1/live/endpoints/${e.id}`);
  });

  test('a changed url resets both keys and the verification', async () => {
    const e = await create({ url });
    await verify(e);
    const moved = await admin('PATCH', `/v1/live/endpoints/${e.id}`, { url: `${url}/v2` });
    const m = moved.json<Endpoint>();
    assert.notEqual(m.publicKey, e.publicKey);
    assert.notEqual(m.privateKey, e.privateKey);
    assert.equal(m.state, 'unverified');
    const renamed = await admin('PATCH', `/v1/live/endpoints/${e.id}`, { description: 'same url' });
    assert.equal(renamed.json<Endpoint>().publicKey, m.publicKey);
    await admin('DELETE', `/v1/live/endpoints/${e.id}`);
  });

  test('retried through Retry-After, a 500, a dropped connection and a timeout, with one webhook-id, until delivered', async () => {
    receiver.posts = [];
    const e = await create({ url, filters: ['usagehub.event.native.retry_me'] });
    await verify(e);
    receiver.behave = (n, res, req) => {
      if (n === 1) res.writeHead(503, { 'retry-after': '2' }).end();
      else if (n === 2) res.writeHead(500).end('down');
      else if (n === 3) req.socket.destroy();
      else if (n === 4)
        return true; // never answers: the 1 s timeout fails it
      else return false;
      return true;
    };
    assert.equal((await hub.send([ev({ id: 'r-1', name: 'retry_me' })])).statusCode, 200);
    await until('five attempts', () => receiver.posts.length >= 5, 40_000);
    const ids = new Set(receiver.posts.map((p) => p.headers['webhook-id']));
    assert.equal(ids.size, 1, 'the same webhook-id on every attempt');
    const gap = receiver.posts[1]!.at - receiver.posts[0]!.at;
    assert.ok(gap >= 1950, `Retry-After: 2 was honoured over the 0.5-1 s backoff (${gap} ms)`);
    type Logged = { attempts: { status: number | null; error: string | null }[] };
    // Outcomes are recorded in groups, a few milliseconds after the answer.
    let attempts: Logged['attempts'] = [];
    for (let i = 0; i < 100 && attempts.length < 5; i++) {
      attempts = (await admin('GET', `/v1/live/endpoints/${e.id}/deliveries`))
        .json<Logged>()
        .attempts.reverse();
      if (attempts.length < 5) await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(
      attempts.map((a) => a.status),
      [503, 500, null, null, 200],
    );
    assert.match(attempts[2]!.error!, /socket|closed|ECONNRESET|other side/i);
    assert.match(attempts[3]!.error!, /timed out|timeout/i);
    receiver.behave = () => false;
    const metrics = (await hub.get('/metrics')).body;
    assert.match(metrics, /usagehub_live_delivery_attempts_total\{outcome="failed"\} [4-9]/);
    await admin('DELETE', `/v1/live/endpoints/${e.id}`);
  });

  test('paused: deliveries stay queued; resumed: they go out', async () => {
    receiver.posts = [];
    const e = await create({ url, filters: ['usagehub.event.native.paused_one'] });
    await verify(e);
    assert.equal((await admin('POST', `/v1/live/endpoints/${e.id}/pause`)).json<Endpoint>().state, 'paused');
    assert.equal((await hub.send([ev({ id: 'p-1', name: 'paused_one' })])).statusCode, 200);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(receiver.posts.length, 0);
    assert.match((await hub.get('/metrics')).body, /^usagehub_live_backlog 1$/m);
    assert.equal((await admin('POST', `/v1/live/endpoints/${e.id}/resume`)).json<Endpoint>().state, 'active');
    await until('the queued delivery', () => receiver.posts.length === 1);
    await admin('DELETE', `/v1/live/endpoints/${e.id}`);
  });

  test('continuous failure marks the endpoint failing, deliveries stay queued; success clears it', async () => {
    receiver.posts = [];
    const e = await create({ url, filters: ['usagehub.event.native.fails'] });
    await verify(e);
    let down = true;
    receiver.behave = (_n, res) => {
      if (!down) return false;
      res.writeHead(500).end();
      return true;
    };
    assert.equal((await hub.send([ev({ id: 'f-1', name: 'fails' })])).statusCode, 200);
    await until('two failed attempts', () => receiver.posts.length >= 2, 10_000);
    let shown = (await admin('GET', `/v1/live/endpoints/${e.id}`)).json<{
      failing: boolean;
      failingSince: number;
    }>();
    for (let i = 0; i < 100 && !shown.failing; i++) {
      await new Promise((r) => setTimeout(r, 50));
      shown = (await admin('GET', `/v1/live/endpoints/${e.id}`)).json();
    }
    assert.equal(shown.failing, true);
    assert.match((await hub.get('/metrics')).body, /^usagehub_live_endpoints_failing 1$/m);
    assert.match((await hub.get('/metrics')).body, /^usagehub_live_backlog 1$/m, 'still queued');
    const failedPosts = receiver.posts.length;
    down = false;
    await until('delivered after recovery', () => receiver.posts.length > failedPosts, 15_000);
    for (let i = 0; i < 100 && shown.failing; i++) {
      await new Promise((r) => setTimeout(r, 50));
      shown = (await admin('GET', `/v1/live/endpoints/${e.id}`)).json();
    }
    assert.equal(shown.failing, false);
    receiver.behave = () => false;
    await admin('DELETE', `/v1/live/endpoints/${e.id}`);
  });

  test('replay by webhook-id and by time range sends delivered events again, with their ids', async () => {
    receiver.posts = [];
    const e = await create({ url, filters: ['usagehub.event.native.replayed'] });
    await verify(e);
    const before = Date.now();
    assert.equal(
      (await hub.send([ev({ id: 'rp-1', name: 'replayed' }), ev({ id: 'rp-2', name: 'replayed' })]))
        .statusCode,
      200,
    );
    await until('both delivered', () => receiver.posts.length === 2);
    const first = String(receiver.posts[0]!.headers['webhook-id']);
    const byId = await admin('POST', `/v1/live/endpoints/${e.id}/replay`, { ids: [first] });
    assert.deepEqual(byId.json(), { replayed: 1 });
    await until('the replay', () => receiver.posts.length === 3);
    assert.equal(receiver.posts[2]!.headers['webhook-id'], first);
    const byTime = await admin('POST', `/v1/live/endpoints/${e.id}/replay`, {
      from: before,
      to: Date.now() + 1,
    });
    assert.deepEqual(byTime.json(), { replayed: 2 });
    await until('both again', () => receiver.posts.length === 5);
    const none = await admin('POST', `/v1/live/endpoints/${e.id}/replay`, { to: before });
    assert.deepEqual(none.json(), { replayed: 0 });
    await admin('DELETE', `/v1/live/endpoints/${e.id}`);
  });

  test('strict order: one at a time, in event order; a failing delivery holds the ones after it', async () => {
    receiver.posts = [];
    const e = await create({ url, filters: ['usagehub.event.native.ordered'], ordered: true });
    await verify(e);
    receiver.behave = (n, res) => {
      if (n > 2) return false;
      res.writeHead(500).end();
      return true;
    };
    const events = Array.from({ length: 8 }, (_, i) => ev({ id: `o-${i}`, name: 'ordered' }));
    assert.equal((await hub.send(events)).statusCode, 200);
    await until(
      'all eight delivered',
      () => receiver.posts.filter((p) => p.headers['webhook-id']).length >= 10,
      20_000,
    );
    const order = receiver.posts.map(
      (p) => (JSON.parse(p.body) as { data: { clientId: string } }).data.clientId,
    );
    assert.deepEqual(order, ['o-0', 'o-0', 'o-0', 'o-1', 'o-2', 'o-3', 'o-4', 'o-5', 'o-6', 'o-7']);
    receiver.behave = () => false;
    await admin('DELETE', `/v1/live/endpoints/${e.id}`);
  });

  test('admin changes, import jobs and sessions started and ended are emitted too', async () => {
    receiver.posts = [];
    const e = await create({
      url,
      filters: ['usagehub.key.*', 'usagehub.app.Created', 'usagehub.session.*', 'usagehub.import.*'],
    });
    await verify(e);
    const key = await admin('POST', '/v1/keys', { role: 'read', name: 'for-live' });
    const secret = key.json<{ secret: string }>().secret;
    await admin('POST', '/v1/apps', { name: 'emitted-app' });
    const t = Math.floor(Date.now() / 1000) - 60;
    const v3 = await hub.app.inject({
      method: 'POST',
      url: '/v3/events?app=web',
      headers: { authorization: `Bearer ${hub.ingestKey}`, 'content-type': 'application/json' },
      payload: [
        { action: 'START', type: 'APPSTART', timestamp: t, session: 'live-sess-1' },
        { action: 'END', type: 'APPSTART', timestamp: t + 5, session: 'live-sess-1' },
      ],
    });
    assert.equal(v3.statusCode, 200, v3.body);
    const csv = await hub.app.inject({
      method: 'PUT',
      url: '/v1/ip-ranges',
      headers: { authorization: `Bearer ${hub.adminKey}`, 'content-type': 'text/csv' },
      payload: '10.0.0.0/8,Ten,ten.example\n',
    });
    assert.equal(csv.statusCode, 200);
    await until('five emissions', () => receiver.posts.length >= 5);
    const types = receiver.posts.map((p) => (JSON.parse(p.body) as { type: string }).type).sort();
    assert.deepEqual(types, [
      'usagehub.app.Created',
      'usagehub.import.ip_ranges.Imported',
      'usagehub.key.Created',
      'usagehub.session.Ended',
      'usagehub.session.Started',
    ]);
    assert.ok(!receiver.posts.some((p) => p.body.includes(secret)), 'no secret is emitted');
    await admin('DELETE', `/v1/live/endpoints/${e.id}`);
  });

  test('the portal API: pages of the log, one delivery with what it sent and got, stats, failed replay, test events, rotation, event types', async () => {
    receiver.posts = [];
    const e = await create({ url, filters: ['usagehub.event.native.portal'] });
    await verify(e);
    receiver.behave = (n, res) => {
      if (n > 1) return false;
      res.writeHead(503, { 'x-receiver': 'busy' }).end('try later');
      return true;
    };
    const from = Date.now() - 1;
    assert.equal((await hub.send([ev({ id: 'portal-1', name: 'portal' })])).statusCode, 200);
    await until('the first attempt fails', () => receiver.posts.length === 1);
    const failed = await until('the failure recorded', async () => {
      const page = (await admin('GET', `/v1/live/endpoints/${e.id}/deliveries?failed=true`)).json<{
        attempts: { id: number; deliveryId: string; status: number }[];
      }>();
      return page.attempts[0];
    });
    assert.equal(failed.status, 503);
    const webhookId = failed.deliveryId;
    // The failed one waits a second for its retry; replaying the failed ones sends it now.
    const replayed = await admin('POST', `/v1/live/endpoints/${e.id}/replay`, { failed: true });
    assert.deepEqual(replayed.json(), { replayed: 1 });
    await until('delivered', () => receiver.posts.length === 2);
    const detail = await until('both attempts recorded', async () => {
      const d = (await admin('GET', `/v1/live/endpoints/${e.id}/deliveries/${webhookId}`)).json<{
        delivery: { status: string; body: string };
        attempts: {
          status: number;
          exchange: {
            requestHeaders: Record<string, string>;
            responseHeaders: Record<string, string>;
            responseBody: string;
          };
        }[];
      }>();
      return d.attempts.length === 2 && d.delivery.status === 'delivered' ? d : undefined;
    });
    const [first, second] = detail.attempts;
    assert.equal(first!.exchange.responseBody, 'try later');
    assert.equal(first!.exchange.responseHeaders['x-receiver'], 'busy');
    assert.equal(first!.exchange.requestHeaders['webhook-id'], webhookId);
    // Made again from the keys, they are what the receiver got.
    for (const h of ['webhook-signature', 'x-notificare-signature', 'webhook-timestamp'])
      assert.equal(first!.exchange.requestHeaders[h], receiver.posts[0]!.headers[h], h);
    assert.equal(second!.status, 200);
    assert.match(detail.delivery.body, /portal-1/);
    assert.equal((await admin('GET', `/v1/live/endpoints/${e.id}/deliveries/msg_nope`)).statusCode, 404);

    const stats = (
      await admin('GET', `/v1/live/endpoints/${e.id}/stats?from=${from}&to=${Date.now() + 1}&bucket=60000`)
    ).json<{
      attempts: number;
      succeeded: number;
      lagP50Ms: number;
      lastError: { error: string };
      backlog: number;
    }>();
    assert.deepEqual([stats.attempts, stats.succeeded, stats.backlog], [2, 1, 0]);
    assert.ok(stats.lagP50Ms >= 0);
    assert.equal(stats.lastError.error, 'answered 503');
    const tooMany = await admin(
      'GET',
      `/v1/live/endpoints/${e.id}/stats?from=0&to=${Date.now()}&bucket=60000`,
    );
    assert.equal(tooMany.statusCode, 400);

    const test = await admin('POST', `/v1/live/endpoints/${e.id}/test`, {
      type: 'usagehub.event.native.login',
    });
    assert.equal(test.statusCode, 202, test.body);
    const testPost = await until('the test event', () =>
      receiver.posts.find((p) => p.headers['webhook-id'] === test.json<{ deliveryId: string }>().deliveryId),
    );
    const testBody = JSON.parse(testPost.body) as { type: string; data: { test: boolean } };
    assert.deepEqual([testBody.type, testBody.data.test], ['usagehub.event.native.login', true]);
    assert.equal(
      (await admin('POST', `/v1/live/endpoints/${e.id}/test`, { type: 'usagehub.*' })).statusCode,
      400,
    );

    await until('three attempts recorded', async () => {
      const all = (await admin('GET', `/v1/live/endpoints/${e.id}/deliveries`)).json<{
        attempts: unknown[];
      }>();
      return all.attempts.length === 3;
    });
    const page1 = (await admin('GET', `/v1/live/endpoints/${e.id}/deliveries?limit=2`)).json<{
      attempts: { id: number }[];
      next: number;
    }>();
    assert.equal(page1.attempts.length, 2);
    const page2 = (
      await admin('GET', `/v1/live/endpoints/${e.id}/deliveries?limit=2&before=${page1.next}`)
    ).json<{
      attempts: { id: number }[];
      next: number | null;
    }>();
    assert.deepEqual([page2.attempts.length, page2.next], [1, null]);

    const rotated = (await admin('POST', `/v1/live/endpoints/${e.id}/rotate`)).json<Endpoint>();
    assert.equal(rotated.state, 'unverified');
    assert.notEqual(rotated.privateKey, e.privateKey);
    assert.equal((await verify(rotated)).verified, true, 'verified again with the new keys');
    // The request headers are made again from the keys; after a rotation, without signatures.
    const after = (await admin('GET', `/v1/live/endpoints/${e.id}/deliveries/${webhookId}`)).json<{
      attempts: { exchange: { requestHeaders: Record<string, string>; signaturesShown: boolean } }[];
    }>();
    assert.equal(after.attempts[0]!.exchange.signaturesShown, false);
    assert.equal(after.attempts[0]!.exchange.requestHeaders['webhook-signature'], undefined);
    assert.equal(after.attempts[0]!.exchange.requestHeaders['webhook-id'], webhookId);

    const types = (await admin('GET', '/v1/live/event-types')).json<{
      types: string[];
      wildcards: string[];
    }>();
    assert.ok(types.types.includes('usagehub.event.native.portal'), types.types.join());
    assert.ok(types.types.includes('usagehub.session.Started'));
    assert.ok(types.wildcards.includes('usagehub.event.segment.*'));

    // Another tenant's admin key finds none of it.
    const init = await hub.runtime.deps.admin.init('other-tenant');
    assert.equal(init.outcome, 'created');
    const theirs = init.outcome === 'created' ? init.adminKey.secret : '';
    const as = (method: 'GET' | 'POST', path: string, payload?: object) =>
      hub.app.inject({ method, url: path, headers: { authorization: `Bearer ${theirs}` }, payload });
    const base = `/v1/live/endpoints/${e.id}`;
    for (const [method, path, body] of [
      ['GET', `${base}/deliveries`],
      ['GET', `${base}/deliveries/${webhookId}`],
      ['GET', `${base}/stats?from=0&to=3600000`],
      ['POST', `${base}/test`, { type: 'usagehub.app.Created' }],
      ['POST', `${base}/rotate`],
      ['POST', `${base}/replay`, { failed: true }],
    ] as const) {
      const res = await as(method, path, body);
      assert.equal(res.statusCode, 404, `${method} ${path}: ${res.body}`);
    }
    assert.ok(
      !(await as('GET', '/v1/live/event-types')).body.includes('portal'),
      'their types are their own',
    );
    receiver.behave = () => false;
    await admin('DELETE', `/v1/live/endpoints/${e.id}`);
  });

  test('the retry schedule: exponential, jittered, capped, Retry-After wins when longer', () => {
    assert.equal(
      retryDelayMs(1, null, () => 0),
      500,
    );
    assert.equal(
      retryDelayMs(1, null, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(4, null, () => 1),
      8000,
    );
    assert.equal(
      retryDelayMs(30, null, () => 1),
      3600_000,
    );
    assert.equal(
      retryDelayMs(1, 5000, () => 1),
      5000,
    );
  });
});
