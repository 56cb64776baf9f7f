/**
 * What every answer says to the browser: `nosniff` everywhere, a CSP and no framing on
 * every HTML page (the API reference at /docs too), `no-store` wherever a secret is in
 * the answer, and a console session's CSRF token kept only as a hash.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startHub, type TestHub } from './helpers/server.ts';

describe('security headers', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub();
  });
  after(() => hub.close());

  test('/docs: a CSP that forbids framing, and X-Frame-Options', async () => {
    for (const url of ['/docs', '/docs/']) {
      const res = await hub.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.doesNotMatch(String(res.headers['content-security-policy']), /frame-ancestors 'self'/);
      assert.equal(res.headers['x-frame-options'], 'DENY');
    }
  });

  test('nosniff on every answer: JSON, errors, ingest', async () => {
    for (const res of [
      await hub.get('/v1/query/counts'),
      await hub.get('/v1/no-such-route'),
      await hub.send([{ app: 'web', name: 'x' }], { authorization: 'Bearer wrong' }),
      await hub.app.inject({ method: 'GET', url: '/healthz' }),
    ])
      assert.equal(res.headers['x-content-type-options'], 'nosniff', res.body);
  });

  test('no-store on answers that carry a secret', async () => {
    const key = await hub.app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: { authorization: `Bearer ${hub.adminKey}` },
      payload: { role: 'read', name: 'k' },
    });
    assert.equal(key.statusCode, 201, key.body);
    assert.equal(key.headers['cache-control'], 'no-store');
    const source = await hub.app.inject({
      method: 'POST',
      url: '/v1/sources',
      headers: { authorization: `Bearer ${hub.adminKey}` },
      payload: { kind: 'segment', app: 'web' },
    });
    assert.equal(source.headers['cache-control'], 'no-store', source.body);
    const list = await hub.app.inject({
      method: 'GET',
      url: '/v1/sources',
      headers: { authorization: `Bearer ${hub.adminKey}` },
    });
    assert.equal(list.headers['cache-control'], 'no-store');
    const signIn = await hub.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { apiKey: hub.readKey },
    });
    assert.equal(signIn.headers['cache-control'], 'no-store');
  });

  test("a console session's CSRF token is kept only as a hash, and still works", async () => {
    const signIn = await hub.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { apiKey: hub.adminKey },
    });
    const { csrfToken } = signIn.json<{ csrfToken: string }>();
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    const me = await hub.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } });
    assert.equal(me.json<{ csrfToken: string }>().csrfToken, csrfToken, 'the same token is given again');
    const changed = await hub.app.inject({
      method: 'POST',
      url: '/v1/apps',
      headers: { cookie, 'x-csrf-token': csrfToken },
      payload: { name: 'csrf-app' },
    });
    assert.equal(changed.statusCode, 201, changed.body);
    const forged = await hub.app.inject({
      method: 'POST',
      url: '/v1/apps',
      headers: { cookie, 'x-csrf-token': 'x'.repeat(csrfToken.length) },
      payload: { name: 'csrf-app-2' },
    });
    assert.equal(forged.statusCode, 403);
    // No file of the data directory holds the token itself.
    const files = fs.readdirSync(hub.dataDir, { recursive: true }).map(String);
    for (const f of files) {
      const full = path.join(hub.dataDir, f);
      if (fs.statSync(full).isFile())
        assert.ok(!fs.readFileSync(full).includes(csrfToken), `${f} holds the CSRF token`);
    }
  });
});
