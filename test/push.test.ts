/**
 * The push usage-events dialect, driven through HTTP: OAuth2 client credentials, the
 * app's event mapping, the endpoint's rules and envelope, the 12-hour window, queries.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSigner } from 'fast-jwt';
import type { LightMyRequestResponse } from 'fastify';
import { startHub, type TestHub } from './helpers/server.ts';
import type { Scope } from '../src/domain/scopes.ts';
import type { UsageEvent } from '../src/domain/event.ts';
import { ok } from './helpers/admin.ts';

const HOUR = 3600_000;
const eventsUrl = (app: string) => `/services/push/v1/customer/apps/${encodeURIComponent(app)}/events`;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

interface Client {
  id: string;
  secret: string;
}

async function createClient(hub: TestHub, scopes: Scope[], tenantId = hub.tenantId): Promise<Client> {
  const { client, secret } = await hub.runtime.deps.admin.createOAuthClient(tenantId, 'connector', scopes);
  return { id: client.id, secret };
}

function tokenRequest(hub: TestHub, form: Record<string, string>, headers: Record<string, string> = {}) {
  return hub.app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  });
}

async function tokenFor(hub: TestHub, client: Client): Promise<string> {
  const res = await tokenRequest(
    hub,
    { grant_type: 'client_credentials' },
    { authorization: basic(client.id, client.secret) },
  );
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ access_token: string }>().access_token;
}

function push(
  hub: TestHub,
  token: string | null,
  app: string,
  body: unknown,
): Promise<LightMyRequestResponse> {
  return hub.app.inject({
    method: 'POST',
    url: eventsUrl(app),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

interface PushErrorBody {
  success: false;
  error: {
    code: string;
    message: string;
    details: { index?: number; field: string; reason: string; code: string }[];
  };
}

describe('push usage-events API', () => {
  let hub: TestHub;
  let client: Client;
  let token: string;
  let appId: string;
  const now = Date.now();
  const ev = (o: Record<string, unknown> = {}) => ({
    timestamp: now - 60_000,
    email: 'ann@example.com',
    eventName: 'opened_file',
    ...o,
  });

  before(async () => {
    hub = await startHub();
    appId = hub.appId;
    const put = (eventName: string, category: string) =>
      hub.app.inject({
        method: 'PUT',
        url: `/v1/apps/${appId}/event-mappings/${eventName}`,
        headers: { authorization: `Bearer ${hub.adminKey}` },
        payload: { category },
      });
    for (const [name, category] of [
      ['opened_file', 'Read'],
      ['sent_message', 'Message'],
      ['login', 'Login'],
    ] as const) {
      assert.equal((await put(name, category)).statusCode, 200);
    }
    client = await createClient(hub, ['connector.write']);
    token = await tokenFor(hub, client);
  });
  after(() => hub.close());

  describe('OAuth2 client credentials', () => {
    test('HTTP Basic credentials get a bearer token with the client’s scopes', async () => {
      const res = await tokenRequest(
        hub,
        { grant_type: 'client_credentials' },
        { authorization: basic(client.id, client.secret) },
      );
      assert.equal(res.statusCode, 200);
      const body = res.json<Record<string, unknown>>();
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 3600);
      assert.equal(body.scope, 'connector.write');
      assert.equal(typeof body.access_token, 'string');
      assert.equal(res.headers['cache-control'], 'no-store');
      const listed = await hub.app.inject({
        url: '/v1/oauth-clients',
        headers: { authorization: `Bearer ${hub.adminKey}` },
      });
      const used = listed.json<{ clients: { id: string; lastUsedAt: string | null }[] }>().clients;
      const at = used.find((c) => c.id === client.id)!.lastUsedAt;
      assert.ok(at && Date.now() - Date.parse(at) < 120_000, `a token marks the client used: ${at}`);
    });

    test('credentials in the form work too, and the full URL form of the scope is the same scope', async () => {
      const res = await tokenRequest(hub, {
        grant_type: 'client_credentials',
        client_id: client.id,
        client_secret: client.secret,
        scope: 'https://api.productiv.com/connector.write',
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<{ scope: string }>().scope, 'connector.write');
      const pushed = await push(hub, res.json<{ access_token: string }>().access_token, appId, {
        events: [ev({ eventName: 'sent_message' })],
      });
      assert.equal(pushed.statusCode, 200, pushed.body);
    });

    test('failures answer RFC 6749 error bodies', async () => {
      const cases: [Record<string, string>, Record<string, string>, number, string][] = [
        [
          { grant_type: 'client_credentials' },
          { authorization: basic(client.id, 'wrong') },
          401,
          'invalid_client',
        ],
        [
          { grant_type: 'client_credentials' },
          { authorization: basic('client_nope', client.secret) },
          401,
          'invalid_client',
        ],
        [{ grant_type: 'client_credentials' }, {}, 401, 'invalid_client'],
        [
          { grant_type: 'password' },
          { authorization: basic(client.id, client.secret) },
          400,
          'unsupported_grant_type',
        ],
        [{}, { authorization: basic(client.id, client.secret) }, 400, 'invalid_request'],
        [
          { grant_type: 'client_credentials', scope: 'everything' },
          { authorization: basic(client.id, client.secret) },
          400,
          'invalid_scope',
        ],
        [
          { grant_type: 'client_credentials', scope: 'connector.read' },
          { authorization: basic(client.id, client.secret) },
          400,
          'invalid_scope',
        ],
        [
          { grant_type: 'client_credentials', client_secret: client.secret },
          { authorization: basic(client.id, client.secret) },
          400,
          'invalid_request',
        ],
      ];
      for (const [form, headers, status, error] of cases) {
        const res = await tokenRequest(hub, form, headers);
        assert.equal(
          res.statusCode,
          status,
          `${JSON.stringify(form)} ${JSON.stringify(headers)}: ${res.body}`,
        );
        const body = res.json<{ error: string; error_description: string }>();
        assert.equal(body.error, error);
        assert.ok(body.error_description.length > 0);
      }
      const basicFail = await tokenRequest(
        hub,
        { grant_type: 'client_credentials' },
        { authorization: basic(client.id, 'wrong') },
      );
      assert.match(String(basicFail.headers['www-authenticate']), /^Basic/);
      const json = await hub.app.inject({
        method: 'POST',
        url: '/oauth2/token',
        headers: { 'content-type': 'application/json' },
        payload: { grant_type: 'client_credentials' },
      });
      assert.equal(json.statusCode, 400);
      assert.equal(json.json<{ error: string }>().error, 'invalid_request');
    });

    test('the client secret is stored hashed', async () => {
      const found = await hub.runtime.deps.catalog.findOAuthClient(client.id);
      assert.ok(found);
      assert.notEqual(found.secretHash, client.secret);
      assert.ok(!JSON.stringify(found).includes(client.secret));
    });
  });

  describe('bearer tokens on the push endpoint', () => {
    const rejects = async (res: LightMyRequestResponse, status: number, code: string) => {
      assert.equal(res.statusCode, status, res.body);
      const body = res.json<PushErrorBody>();
      assert.equal(body.success, false);
      assert.equal(body.error.code, code);
      assert.match(String(res.headers['www-authenticate']), new RegExp(`error="${code}"`));
    };

    test('no token, a malformed token, or one signed elsewhere: 401', async () => {
      await rejects(await push(hub, null, appId, { events: [ev()] }), 401, 'invalid_token');
      await rejects(await push(hub, 'not-a-token', appId, { events: [ev()] }), 401, 'invalid_token');
      const foreign = createSigner({ key: 'another installation', expiresIn: 60_000 })({
        sub: client.id,
        tid: hub.tenantId,
        scope: 'connector.write',
        iss: 'usagehub',
      });
      await rejects(await push(hub, foreign, appId, { events: [ev()] }), 401, 'invalid_token');
    });

    test('a token claiming another tenant than its client’s: 401', async () => {
      const key = await hub.runtime.deps.catalog.tokenSigningKey();
      const forged = createSigner({ key, iss: 'usagehub', expiresIn: 60_000 })({
        sub: client.id,
        tid: 'ten_someoneelse',
        scope: 'connector.write',
      });
      await rejects(await push(hub, forged, appId, { events: [ev()] }), 401, 'invalid_token');
    });

    test('a token without connector.write: 403', async () => {
      const reader = await createClient(hub, ['connector.read']);
      const readToken = await tokenFor(hub, reader);
      await rejects(await push(hub, readToken, appId, { events: [ev()] }), 403, 'insufficient_scope');
      const app = await hub.app.inject({
        method: 'GET',
        url: `/services/push/v1/customer/apps/${appId}`,
        headers: { authorization: `Bearer ${readToken}` },
      });
      assert.equal(app.statusCode, 200);
      assert.ok(app.json<{ eventMappings: unknown[] }>().eventMappings.length >= 3);
    });

    test('revoking the client ends its tokens at once', async () => {
      const temp = await createClient(hub, ['connector.write']);
      const t = await tokenFor(hub, temp);
      assert.equal(
        (await push(hub, t, appId, { events: [ev({ email: 'rev@example.com' })] })).statusCode,
        200,
      );
      const res = await hub.app.inject({
        method: 'DELETE',
        url: `/v1/oauth-clients/${temp.id}`,
        headers: { authorization: `Bearer ${hub.adminKey}` },
      });
      assert.equal(res.statusCode, 200);
      await rejects(
        await push(hub, t, appId, { events: [ev({ email: 'rev@example.com' })] }),
        401,
        'invalid_token',
      );
      const again = await tokenRequest(
        hub,
        { grant_type: 'client_credentials' },
        { authorization: basic(temp.id, temp.secret) },
      );
      assert.equal(again.json<{ error: string }>().error, 'invalid_client');
    });

    test('an app of another tenant is not found: 404', async () => {
      const other = await hub.runtime.deps.admin.init('other');
      assert.equal(other.outcome, 'created');
      if (other.outcome !== 'created') return;
      const otherApp = ok(await hub.runtime.deps.admin.createApp(other.tenant.id, 'theirs'));
      const res = await push(hub, token, otherApp.id, { events: [ev()] });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json<PushErrorBody>().error.code, 'not_found');
      assert.equal((await push(hub, token, 'app_nosuch', { events: [ev()] })).statusCode, 404);
    });
  });

  describe('expiry', () => {
    test('an expired token: 401', async () => {
      const short = await startHub({ tokenTtlSeconds: 1 });
      try {
        await short.runtime.deps.admin.mapEvent(short.tenantId, short.appId, 'opened_file', 'Read');
        const c = await createClient(short, ['connector.write']);
        const t = await tokenFor(short, c);
        assert.equal((await push(short, t, short.appId, { events: [ev()] })).statusCode, 200);
        await new Promise((r) => setTimeout(r, 2100));
        const res = await push(short, t, short.appId, { events: [ev({ timestamp: now - 1000 })] });
        assert.equal(res.statusCode, 401);
        assert.match(res.json<PushErrorBody>().error.message, /expired/);
      } finally {
        await short.close();
      }
    });
  });

  describe('the endpoint', () => {
    test('the document’s example: events as one object is a one-event batch', async () => {
      const res = await push(hub, token, appId, {
        events: { timestamp: now - 5000, email: 'testuser@random.com', eventName: 'opened_file' },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { success: true });
    });

    test('a bad batch lists every problem, with index, field and reason, and stores nothing', async () => {
      const before = await hub.settled();
      const res = await push(hub, token, appId, {
        events: [
          ev({ email: 'ok@example.com' }),
          ev({ email: 'not-an-email', timestamp: '2026-01-01' }),
          ev({ eventName: 'deleted_everything' }),
          ev({ eventName: 'login' }),
          ev({ timestamp: now + 6 * 60_000 }),
          { email: 'x@example.com' },
        ],
      });
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json<PushErrorBody>();
      assert.equal(body.success, false);
      assert.equal(body.error.code, 'validation_failed');
      const got = body.error.details.map((d) => `${d.index}:${d.field}:${d.code}`).sort();
      assert.deepEqual(got, [
        '1:email:field_format',
        '1:timestamp:field_type',
        '2:eventName:unmapped_event',
        '3:targetApp:field_required',
        '4:timestamp:field_range',
        '5:eventName:field_required',
        '5:timestamp:field_required',
      ]);
      for (const d of body.error.details) assert.ok(d.reason.length > 0);
      assert.match(body.error.details.find((d) => d.index === 4)!.reason, /5 minutes in the future/);
      assert.equal(await hub.settled(), before);
    });

    test('an event with schema problems also gets its mapping problems: every problem at once', async () => {
      const res = await push(hub, token, appId, {
        events: [
          { timestamp: now - 60_000, eventName: 'deleted_everything' },
          { email: 'bad', timestamp: now + 6 * 60_000, eventName: 'never_mapped' },
        ],
      });
      assert.equal(res.statusCode, 400, res.body);
      const got = res
        .json<PushErrorBody>()
        .error.details.map((d) => `${d.index}:${d.field}:${d.code}`)
        .sort();
      assert.deepEqual(got, [
        '0:email:field_required',
        '0:eventName:unmapped_event',
        '1:email:field_format',
        '1:eventName:unmapped_event',
        '1:timestamp:field_range',
      ]);
    });

    test('more than 1000 events: a clear error naming the limit', async () => {
      const events = Array.from({ length: 1001 }, (_, i) => ev({ email: `u${i}@example.com` }));
      const res = await push(hub, token, appId, { events });
      assert.equal(res.statusCode, 413);
      const body = res.json<PushErrorBody>();
      assert.equal(body.error.code, 'batch_too_large');
      assert.match(body.error.message, /at most 1000/);
      const ok = await push(hub, token, appId, { events: events.slice(0, 1000) });
      assert.equal(ok.statusCode, 200, ok.body);
    });

    test('not JSON, or no events: the push envelope', async () => {
      const bad = await push(hub, token, appId, '{"events": [');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json<PushErrorBody>().error.code, 'invalid_body');
      const none = await push(hub, token, appId, { event: [] });
      assert.equal(none.statusCode, 400);
      assert.deepEqual(
        none
          .json<PushErrorBody>()
          .error.details.map((d) => d.field)
          .sort(),
        ['event', 'events'],
      );
    });

    test('a resent event — same timestamp, email and eventName — is stored once; unknown fields are kept', async () => {
      const ts = now - 30 * 60_000;
      const first = ev({
        timestamp: ts,
        email: 'Dup@Example.com',
        eventName: 'sent_message',
        channel: 'general',
      });
      const n0 = await hub.settled();
      assert.equal((await push(hub, token, appId, { events: [first] })).statusCode, 200);
      assert.equal(await hub.storedCount(n0 + 1), n0 + 1);
      const again = await push(hub, token, appId, {
        events: [first, { ...first, email: 'dup@example.com' }],
      });
      assert.equal(again.statusCode, 200);
      assert.deepEqual(again.json(), { success: true });
      assert.equal(await hub.settled(), n0 + 1);
      const exported = await hub.get(`/v1/export?app=${appId}&name=sent_message&from=${ts}&to=${ts + 1}`);
      const docs = exported.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as UsageEvent & { raw: { email: string } });
      assert.equal(docs.length, 1);
      assert.equal(docs[0]!.source, 'push');
      assert.equal(docs[0]!.category, 'Message');
      assert.equal(docs[0]!.actor.email, 'dup@example.com');
      assert.deepEqual(docs[0]!.properties, { channel: 'general' });
      assert.equal(docs[0]!.raw.email, 'Dup@Example.com', 'what the client sent is kept as sent');
    });
  });

  describe('the 12-hour window, and queries', () => {
    let q: TestHub;
    let qt: string;
    const day = Date.UTC(
      new Date(now).getUTCFullYear(),
      new Date(now).getUTCMonth(),
      new Date(now).getUTCDate(),
    );
    before(async () => {
      q = await startHub();
      for (const [name, category] of [
        ['opened_file', 'Read'],
        ['login', 'Login'],
      ] as const) {
        await q.runtime.deps.admin.mapEvent(q.tenantId, q.appId, name, category);
      }
      qt = await tokenFor(q, await createClient(q, ['connector.write']));
    });
    after(() => q.close());
    const rows = async (url: string) => {
      const res = await q.get(url);
      assert.equal(res.statusCode, 200, res.body);
      return res.json<{ rows: { bucket: string; key: string | null; events?: number; users?: number }[] }>()
        .rows;
    };

    test('an event within the window is in the aggregates within seconds', async () => {
      const t0 = Date.now();
      const res = await push(q, qt, q.appId, {
        events: [ev({ timestamp: t0 - 1000, email: 'fresh@example.com' })],
      });
      assert.equal(res.statusCode, 200);
      let seen = false;
      while (!seen && Date.now() - t0 < 5000) {
        const r = await rows(`/v1/query/counts?app=${q.appId}&from=${t0 - 2000}&interval=hour`);
        seen = r.some((x) => x.events === 1);
        if (!seen) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(seen, 'reflected in counts');
      assert.ok(Date.now() - t0 < 5000);
    });

    test('late events are accepted, marked late, counted, and visible in metrics and queries', async () => {
      const late = [
        ev({ timestamp: now - 13 * HOUR, email: 'late1@example.com' }),
        ev({ timestamp: now - 30 * HOUR, email: 'late2@example.com' }),
      ];
      const res = await push(q, qt, q.appId, { events: late });
      assert.equal(res.statusCode, 200, res.body);
      const recent = await push(q, qt, q.appId, {
        events: [ev({ timestamp: now - 11 * HOUR, email: 'ontime@example.com' })],
      });
      assert.equal(recent.statusCode, 200);
      await q.settled();
      const lateRows = await rows(`/v1/query/counts?app=${q.appId}&late=true&from=${now - 2 * 86400_000}`);
      assert.equal(
        lateRows.reduce((s, r) => s + r.events!, 0),
        2,
      );
      const split = await rows(
        `/v1/query/counts?app=${q.appId}&groupBy=late&from=${now - 12 * HOUR - 60_000}`,
      );
      assert.ok(split.some((r) => r.key === 'false'));
      const metrics = await q.get('/metrics');
      assert.match(metrics.body, /usagehub_ingest_late_events_total\{source="push"\} 2/);
    });

    test('daily active users, counts by eventName and category, logins per targetApp', async () => {
      const at = day + 60_000 > now ? now - 1000 : day + 60_000;
      const events = [
        ev({
          timestamp: at,
          email: 'a@corp.example',
          eventName: 'login',
          targetApp: 'app_crm',
          targetAppName: 'CRM',
        }),
        ev({ timestamp: at + 1, email: 'b@corp.example', eventName: 'login', targetApp: 'app_crm' }),
        ev({ timestamp: at + 2, email: 'a@corp.example', eventName: 'login', targetApp: 'app_wiki' }),
        ev({ timestamp: at + 3, email: 'A@corp.example', eventName: 'opened_file' }),
      ];
      assert.equal((await push(q, qt, q.appId, { events })).statusCode, 200);
      await q.settled();
      const range = `from=${day}&to=${day + 86400_000}`;
      const dau = await rows(`/v1/query/users?app=${q.appId}&${range}`);
      assert.equal(dau.length, 1);
      assert.ok(dau[0]!.users! >= 2);
      const byCategory = await rows(
        `/v1/query/counts?app=${q.appId}&groupBy=category&from=${at}&to=${at + 4}`,
      );
      const cat = Object.fromEntries(byCategory.map((r) => [r.key, r.events]));
      assert.equal(cat.Login, 3);
      assert.equal(cat.Read, 1);
      const byName = await rows(`/v1/query/counts?app=${q.appId}&groupBy=name&from=${at}&to=${at + 4}`);
      assert.deepEqual(
        byName.map((r) => [r.key, r.events]),
        [
          ['login', 3],
          ['opened_file', 1],
        ],
      );
      const logins = await rows(
        `/v1/query/counts?app=${q.appId}&category=Login&groupBy=targetApp&from=${at}&to=${at + 4}`,
      );
      assert.deepEqual(
        logins.map((r) => [r.key, r.events]),
        [
          ['app_crm', 2],
          ['app_wiki', 1],
        ],
      );
      const users = await rows(`/v1/query/users?app=${q.appId}&from=${at}&to=${at + 4}&interval=day`);
      assert.equal(users[0]!.users, 2, 'distinct emails: A@ and a@ are one user');
    });
  });
});
