import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, startHub, type TestHub } from './helpers/server.ts';

describe('admin API', () => {
  let hub: TestHub;
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key?: string) =>
    hub.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key ?? hub.adminKey}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  before(async () => {
    hub = await startHub();
  });
  after(() => hub.close());

  test('shows and renames the tenant', async () => {
    assert.equal((await call('GET', '/v1/tenant')).json<{ id: string }>().id, hub.tenantId);
    const renamed = await call('PATCH', '/v1/tenant', { name: 'Acme' });
    assert.equal(renamed.json<{ name: string }>().name, 'Acme');
  });

  test('creates, lists, finds and renames apps; names are unique', async () => {
    const created = await call('POST', '/v1/apps', { name: 'mobile' });
    assert.equal(created.statusCode, 201);
    const app = created.json<{ id: string; name: string }>();
    assert.match(app.id, /^app_/);
    const dup = await call('POST', '/v1/apps', { name: 'mobile' });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json<{ error: { code: string } }>().error.code, 'conflict');
    const list = (await call('GET', '/v1/apps')).json<{ apps: { name: string }[] }>().apps.map((a) => a.name);
    assert.deepEqual(list.sort(), ['mobile', 'web']);
    assert.equal((await call('GET', '/v1/apps/mobile')).json<{ id: string }>().id, app.id);
    assert.equal((await call('GET', `/v1/apps/${app.id}`)).json<{ name: string }>().name, 'mobile');
    const renamed = await call('PATCH', `/v1/apps/${app.id}`, { name: 'ios' });
    assert.equal(renamed.json<{ name: string }>().name, 'ios');
    assert.equal((await call('GET', '/v1/apps/nope')).statusCode, 404);
  });

  test('a new app takes events at once (the app cache is invalidated)', async () => {
    assert.equal((await hub.send([ev({ app: 'desktop' })])).statusCode, 400);
    await call('POST', '/v1/apps', { name: 'desktop' });
    assert.equal((await hub.send([ev({ app: 'desktop' })])).statusCode, 200);
  });

  test('creates keys shown once, lists them without secrets, and revokes them', async () => {
    const created = await call('POST', '/v1/keys', { role: 'ingest', name: 'ci' });
    assert.equal(created.statusCode, 201);
    const { key, secret } = created.json<{ key: { id: string; prefix: string }; secret: string }>();
    assert.match(secret, /^uh_ingest_/);
    assert.ok(secret.startsWith(key.prefix));
    const listed = await call('GET', '/v1/keys');
    assert.ok(!listed.body.includes(secret), 'a listing never shows a secret');
    type Listed = { keys: { id: string; lastUsedAt: string | null }[] };
    const lastUse = async () =>
      (await call('GET', '/v1/keys')).json<Listed>().keys.find((k) => k.id === key.id)!.lastUsedAt;
    assert.equal(await lastUse(), null, 'never used yet');
    assert.equal((await hub.send([ev({ id: 'k1' })], { authorization: `Bearer ${secret}` })).statusCode, 200);
    // Written off the request's path: it lands within moments, to the minute.
    for (let i = 0; i < 50 && (await lastUse()) === null; i++) await new Promise((r) => setTimeout(r, 20));
    const used = await lastUse();
    assert.ok(used && Date.now() - Date.parse(used) < 120_000, `last used ${used}`);
    assert.equal(new Date(used).getUTCSeconds(), 0, 'kept to the minute');
    const revoked = await call('DELETE', `/v1/keys/${key.id}`);
    assert.ok(revoked.json<{ revokedAt: string | null }>().revokedAt);
    assert.equal((await hub.send([ev({ id: 'k2' })], { authorization: `Bearer ${secret}` })).statusCode, 401);
    assert.equal((await call('DELETE', '/v1/keys/key_nope')).statusCode, 404);
  });

  test('only admin keys may administer', async () => {
    assert.equal((await call('GET', '/v1/apps', undefined, hub.ingestKey)).statusCode, 403);
    assert.equal((await call('GET', '/v1/apps', undefined, hub.readKey)).statusCode, 403);
    assert.equal((await hub.app.inject({ method: 'GET', url: '/v1/apps' })).statusCode, 401);
  });

  test('rejects bad input with the field at fault', async () => {
    const res = await call('POST', '/v1/keys', { role: 'root' });
    assert.equal(res.statusCode, 400);
    const body = res.json<{ error: { code: string; details: { field: string }[] } }>();
    assert.equal(body.error.code, 'validation_failed');
    assert.ok(body.error.details.some((d) => d.field === 'role'));
  });

  test('serves an OpenAPI document describing every route', async () => {
    const doc = (await hub.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, unknown>;
    }>();
    for (const p of [
      '/v1/events',
      '/v1/apps',
      '/v1/keys',
      '/v1/tenant',
      '/v1/query/counts',
      '/v1/query/users',
      '/v1/query/top-users',
      '/v1/export',
    ]) {
      assert.ok(doc.paths[p], `OpenAPI lists ${p}`);
    }
    assert.equal((await hub.app.inject({ method: 'GET', url: '/docs' })).statusCode, 200);
  });

  test('answers unknown routes in the error envelope', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/v2/nothing' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json<{ error: { code: string } }>().error.code, 'route_not_found');
  });

  test('health and readiness', async () => {
    assert.equal((await hub.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.deepEqual((await hub.app.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready' });
  });
});
