/**
 * The API behind the console, usable without it: sign-in sessions (cookie, CSRF,
 * throttling, revocation), the events list and one event, counts by the minute and by
 * dialect, and the live stream of acknowledged events (Server-Sent Events).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { adminCall } from './helpers/admin.ts';
import { NOW, ev, startHub, type TestHub } from './helpers/server.ts';

const cookieOf = (setCookie: string | string[] | undefined): string => {
  const header = ([] as string[]).concat(setCookie ?? []).find((c) => c.startsWith('usagehub_session='));
  assert.ok(header, 'a session cookie is set');
  return header;
};

describe('console sessions', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub({ consoleSessionHours: 1, limitAuthFailuresPerMinute: 5 });
  });
  after(() => hub.close());

  const signIn = (apiKey: string, ip = '10.0.0.1') =>
    hub.app.inject({ method: 'POST', url: '/v1/session', payload: { apiKey }, remoteAddress: ip });

  test('a key is exchanged for an httpOnly, SameSite=Strict cookie that reads like the key', async () => {
    const res = await signIn(hub.readKey);
    assert.equal(res.statusCode, 200, res.body);
    const header = cookieOf(res.headers['set-cookie']);
    assert.match(header, /HttpOnly/);
    assert.match(header, /SameSite=Strict/);
    assert.match(header, /Max-Age=3\d{3}/, 'expires with the configured lifetime (1 h)');
    assert.ok(!header.includes(hub.readKey), 'the cookie is not the key');
    const body = res.json<{ role: string; csrfToken: string; tenantId: string }>();
    assert.equal(body.role, 'read');
    assert.equal(body.tenantId, hub.tenantId);
    const cookie = header.split(';')[0]!;
    const counts = await hub.app.inject({ method: 'GET', url: '/v1/query/counts', headers: { cookie } });
    assert.equal(counts.statusCode, 200, counts.body);
    const me = await hub.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } });
    assert.equal(me.json<{ csrfToken: string }>().csrfToken, body.csrfToken);
    // A read session is a read key: the admin API refuses it.
    const apps = await hub.app.inject({ method: 'GET', url: '/v1/apps', headers: { cookie } });
    assert.equal(apps.statusCode, 403);
  });

  test('changes need the CSRF token; sign-out ends the session for good', async () => {
    const res = await signIn(hub.adminKey);
    const cookie = cookieOf(res.headers['set-cookie']).split(';')[0]!;
    const { csrfToken } = res.json<{ csrfToken: string }>();
    const noToken = await hub.app.inject({
      method: 'POST',
      url: '/v1/apps',
      headers: { cookie },
      payload: { name: 'from-a-foreign-page' },
    });
    assert.equal(noToken.statusCode, 403);
    assert.equal(noToken.json<{ error: { code: string } }>().error.code, 'csrf_failed');
    const withToken = await hub.app.inject({
      method: 'POST',
      url: '/v1/apps',
      headers: { cookie, 'x-csrf-token': csrfToken },
      payload: { name: 'from-the-console' },
    });
    assert.equal(withToken.statusCode, 201, withToken.body);
    const apps = (await hub.get('/v1/apps', hub.adminKey)).json<{ apps: { name: string }[] }>();
    assert.deepEqual(
      apps.apps.map((a) => a.name).sort(),
      ['from-the-console', 'web'],
      'the refused request stored nothing',
    );
    const out = await hub.app.inject({
      method: 'DELETE',
      url: '/v1/session',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    assert.equal(out.statusCode, 204);
    assert.match(cookieOf(out.headers['set-cookie']), /Max-Age=0/);
    const after = await hub.app.inject({ method: 'GET', url: '/v1/query/counts', headers: { cookie } });
    assert.equal(after.statusCode, 401, 'the old cookie opens nothing');
  });

  test('revoking the key ends its sessions', async () => {
    const created = (await adminCall(hub, 'POST', '/v1/keys', { role: 'read', name: 'temp' })) as {
      key: { id: string };
      secret: string;
    };
    const cookie = cookieOf((await signIn(created.secret)).headers['set-cookie']).split(';')[0]!;
    const before = await hub.app.inject({ method: 'GET', url: '/v1/query/counts', headers: { cookie } });
    assert.equal(before.statusCode, 200);
    await adminCall(hub, 'DELETE', `/v1/keys/${created.key.id}`);
    const res = await hub.app.inject({ method: 'GET', url: '/v1/query/counts', headers: { cookie } });
    assert.equal(res.statusCode, 401);
  });

  test('a wrong key is refused; failures past the limit (5 a minute here) slow that address down', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await signIn('uh_read_wrong', '10.9.9.9');
      assert.equal(res.statusCode, 401);
      assert.match(res.body, /unknown or has been revoked/);
    }
    const sixth = await signIn(hub.readKey, '10.9.9.9');
    assert.equal(sixth.statusCode, 429, 'even the right key waits');
    assert.equal(sixth.json<{ error: { code: string } }>().error.code, 'too_many_attempts');
    const wait = Number(sixth.headers['retry-after']);
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
    assert.equal((await signIn(hub.readKey, '10.9.9.10')).statusCode, 200, 'other addresses are not slowed');
  });

  test('the session routes refuse what is not a sign-in', async () => {
    assert.equal((await hub.app.inject({ method: 'GET', url: '/v1/session' })).statusCode, 401);
    const forged = await hub.app.inject({
      method: 'GET',
      url: '/v1/session',
      headers: { cookie: 'usagehub_session=forged' },
    });
    assert.equal(forged.statusCode, 401);
    const noBody = await hub.app.inject({ method: 'POST', url: '/v1/session', payload: { key: 'x' } });
    assert.equal(noBody.statusCode, 400);
  });
});

describe('events API', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub();
    const res = await hub.send([
      ev({
        id: 'a',
        name: 'opened_file',
        email: 'ann@example.com',
        properties: { file: 'Budget 2027.xlsx' },
      }),
      ev({ id: 'b', name: 'login', email: 'bob@example.com', timestamp: NOW - 30_000 }),
      ev({ id: 'c', name: 'opened_file', email: 'bob@example.com', properties: { file: 'notes.txt' } }),
    ]);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await hub.storedCount(3), 3);
  });
  after(() => hub.close());

  type Page = {
    events: { eventId: string; clientId: string; name: string }[];
    next: string | null;
    scanned: number;
  };
  const list = async (q: string) => {
    const res = await hub.get(`/v1/events${q}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Page>();
  };

  test('lists the most recently stored first, paged by cursor', async () => {
    const first = await list('?limit=2');
    assert.deepEqual(
      first.events.map((e) => e.clientId),
      ['c', 'b'],
    );
    assert.ok(first.next);
    const second = await list(`?limit=2&after=${first.next}`);
    assert.deepEqual(
      second.events.map((e) => e.clientId),
      ['a'],
    );
    assert.equal(second.next, null);
  });

  test('filters by user, name, dialect and text in the properties', async () => {
    assert.deepEqual(
      (await list('?user=bob@example.com')).events.map((e) => e.clientId),
      ['c', 'b'],
    );
    assert.deepEqual(
      (await list('?name=login')).events.map((e) => e.clientId),
      ['b'],
    );
    assert.deepEqual((await list('?source=segment')).events, []);
    assert.deepEqual(
      (await list('?source=native&q=budget')).events.map((e) => e.clientId),
      ['a'],
    );
    assert.equal((await list('?q=nothing-like-this')).scanned, 3);
  });

  test('one event whole, only within the key’s tenant', async () => {
    const [latest] = (await list('?limit=1')).events;
    const res = await hub.get(`/v1/events/${latest!.eventId}`);
    assert.equal(res.statusCode, 200);
    const doc = res.json<{ eventId: string; raw: { id: string } }>();
    assert.equal(doc.eventId, latest!.eventId);
    assert.equal(doc.raw.id, 'c');
    const other = await startHub();
    try {
      const foreign = await other.get(`/v1/events/${latest!.eventId}`);
      assert.equal(foreign.statusCode, 404);
      assert.deepEqual((await other.get('/v1/events')).json<Page>().events, []);
    } finally {
      await other.close();
    }
    assert.equal((await hub.get('/v1/events/99999999999')).statusCode, 404);
    assert.equal((await hub.get('/v1/events/not-a-number')).statusCode, 400);
    assert.equal((await hub.get('/v1/events?limit=100000')).statusCode, 400);
  });

  test('counts by the minute over a short range, and by dialect', async () => {
    const from = new Date(NOW - 3600_000).toISOString();
    const to = new Date(NOW + 60_000).toISOString();
    const res = await hub.get(`/v1/query/counts?interval=minute&groupBy=source&from=${from}&to=${to}`);
    assert.equal(res.statusCode, 200, res.body);
    const rows = res.json<{ rows: { bucket: string; key: string; events: number }[] }>().rows;
    assert.ok(rows.every((r) => /:00Z$/.test(r.bucket) && r.key === 'native'));
    assert.equal(
      rows.reduce((s, r) => s + r.events, 0),
      3,
    );
    const unbounded = await hub.get('/v1/query/counts?interval=minute');
    assert.equal(unbounded.statusCode, 400);
    assert.match(unbounded.body, /at most two days apart/);
  });
});

describe('live stream (SSE)', () => {
  let hub: TestHub;
  let base: string;
  before(async () => {
    hub = await startHub({ maxStreams: 2 });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
  });
  after(() => hub.close());

  /** Reads SSE messages of a stream until `until` says stop; returns them. */
  async function read(
    body: AsyncIterable<Buffer>,
    until: (events: { event: string; data: string }[]) => boolean,
  ) {
    const messages: { event: string; data: string }[] = [];
    let text = '';
    for await (const chunk of body) {
      text += chunk.toString();
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) messages.push({ event, data });
      }
      if (until(messages)) break;
    }
    return messages;
  }

  test('acknowledged events arrive as they are stored, filtered, only the key’s tenant', async () => {
    const res = await request(`${base}/v1/stream?name=searched`, {
      headers: { authorization: `Bearer ${hub.readKey}` },
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const other = await startHub();
    try {
      // Another tenant's events, and this tenant's of another name, do not come.
      await other.send([ev({ id: 'x', name: 'searched' })]);
      await hub.send([ev({ id: 'o', name: 'opened_file' })]);
      const sent = await hub.send([ev({ id: 's', name: 'searched', properties: { q: 'usage' } })]);
      assert.equal(sent.statusCode, 200);
      const got = await read(res.body, (m) => m.length >= 1);
      const event = JSON.parse(got[0]!.data) as { clientId: string; tenantId: string; eventId: string };
      assert.equal(got[0]!.event, 'usage');
      assert.equal(event.clientId, 's');
      assert.equal(event.tenantId, hub.tenantId);
      assert.match(event.eventId, /^\d+$/);
    } finally {
      res.body.destroy();
      await other.close();
    }
  });

  test('bad parameters are refused before a stream opens, with the field at fault', async () => {
    for (const [query, field] of [
      ['app=no-such-app', 'app'],
      [`name=${'x'.repeat(5000)}`, 'name'],
      [`user=${'u,'.repeat(3000)}`, 'user'],
    ] as const) {
      const res = await request(`${base}/v1/stream?${query}`, {
        headers: { authorization: `Bearer ${hub.readKey}` },
      });
      // A stream that opened anyway would never end: read its body only when refused.
      if (res.statusCode === 200) res.body.destroy();
      assert.equal(res.statusCode, 400, query.slice(0, 40));
      assert.match(await res.body.text(), new RegExp(`"field":"${field}"`));
    }
    assert.equal((await request(`${base}/healthz`)).statusCode, 200);
  });

  test('streams are bounded per process, and need a read key', async () => {
    const anonymous = await request(`${base}/v1/stream`);
    assert.equal(anonymous.statusCode, 401);
    await anonymous.body.text();
    const open = await Promise.all(
      [1, 2].map(() => request(`${base}/v1/stream`, { headers: { authorization: `Bearer ${hub.readKey}` } })),
    );
    // The previous test's stream may take a moment to be noticed as closed.
    let third = await request(`${base}/v1/stream`, { headers: { authorization: `Bearer ${hub.readKey}` } });
    assert.equal(third.statusCode, 429);
    assert.match(await third.body.text(), /too_many_streams/);
    for (const s of open) s.body.destroy();
    for (let i = 0; i < 50 && third.statusCode !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      if (third.statusCode === 200) break;
      third = await request(`${base}/v1/stream`, { headers: { authorization: `Bearer ${hub.readKey}` } });
      if (third.statusCode !== 200) await third.body.text();
    }
    assert.equal(third.statusCode, 200, 'a closed stream frees its place');
    third.body.destroy();
  });
});
