/**
 * The Catalog conformance suite: what every Catalog adapter must do, on its real engine.
 * `open` over the same place must see what an earlier open wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Catalog } from '../../src/catalog/catalog.port.ts';

export interface CatalogFactory {
  /** Why the adapter's engine is unavailable: its tests are skipped, showing this. */
  skip?: string;
  place(): string;
  open(place: string): Promise<Catalog>;
}

export function catalogConformance(name: string, factory: CatalogFactory): void {
  const only = { skip: factory.skip };
  const withCatalog = async (fn: (c: Catalog, place: string) => Promise<void>) => {
    const place = factory.place();
    const catalog = await factory.open(place);
    try {
      await fn(catalog, place);
    } finally {
      await catalog.close();
    }
  };

  test(`${name}: tenants and apps, names unique per tenant, found by id before name`, only, () =>
    withCatalog(async (c) => {
      const t = await c.createTenant('acme');
      const other = await c.createTenant('other');
      // Listed oldest first; two made in the same millisecond may come in either order.
      const byId = <T extends { id: string }>(list: T[]) =>
        [...list].sort((a, b) => a.id.localeCompare(b.id));
      assert.deepEqual(byId(await c.listTenants()), byId([t, other]));
      assert.deepEqual(await c.renameTenant(t.id, 'Acme'), { ...t, name: 'Acme' });
      const a = await c.createApp(t.id, 'web');
      assert.equal(a.outcome, 'created');
      const web = a.outcome === 'created' ? a.value : assert.fail();
      assert.deepEqual(await c.createApp(t.id, 'web'), { outcome: 'name_taken' });
      assert.equal((await c.createApp(other.id, 'web')).outcome, 'created');
      const b = await c.createApp(t.id, web.id); // an app named like another's id
      assert.equal(b.outcome, 'created');
      assert.equal((await c.findApp(t.id, web.id))!.name, 'web');
      assert.equal((await c.findApp(t.id, 'web'))!.id, web.id);
      assert.equal(await c.findApp(other.id, web.id), null);
      assert.deepEqual((await c.listApps(t.id)).map((x) => x.name).sort(), ['web', web.id].sort());
      assert.deepEqual(await c.renameApp(t.id, web.id, web.id), { outcome: 'name_taken' });
      assert.equal(await c.renameApp(t.id, 'app_none', 'x'), null);
      const renamed = await c.renameApp(t.id, web.id, 'site');
      assert.equal(renamed?.outcome === 'created' && renamed.value.name, 'site');
    }),
  );

  test(`${name}: event mappings sorted by name, and unique user-interface origins`, only, () =>
    withCatalog(async (c) => {
      const t = await c.createTenant('acme');
      const a = await c.createApp(t.id, 'web');
      const b = await c.createApp(t.id, 'cli');
      const web = a.outcome === 'created' ? a.value : assert.fail();
      const cli = b.outcome === 'created' ? b.value : assert.fail();
      await c.setEventMapping(t.id, web.id, { eventName: 'open', category: 'Other' });
      await c.setEventMapping(t.id, web.id, { eventName: 'login', category: 'Other' });
      const app = await c.setEventMapping(t.id, web.id, { eventName: 'login', category: 'Login' });
      assert.deepEqual(app!.eventMappings, [
        { eventName: 'login', category: 'Login' },
        { eventName: 'open', category: 'Other' },
      ]);
      assert.deepEqual((await c.removeEventMapping(t.id, web.id, 'open'))!.eventMappings, [
        { eventName: 'login', category: 'Login' },
      ]);
      assert.equal(
        await c.setEventMapping(t.id, 'web', { eventName: 'x', category: 'Other' }),
        null,
        'by id only',
      );
      const set = await c.setAppOrigin(t.id, web.id, 3);
      assert.equal(set?.outcome === 'created' && set.value.origin, 3);
      assert.deepEqual(await c.setAppOrigin(t.id, cli.id, 3), { outcome: 'name_taken' });
      assert.equal((await c.setAppOrigin(t.id, web.id, null))?.outcome, 'created');
      assert.equal((await c.setAppOrigin(t.id, cli.id, 3))?.outcome, 'created');
    }),
  );

  test(`${name}: keys by hash, revocation once, OAuth clients, one signing key`, only, () =>
    withCatalog(async (c) => {
      const t = await c.createTenant('acme');
      const key = await c.createKey(
        { id: 'key_1', tenantId: t.id, name: 'k', role: 'ingest', prefix: 'uh_ab' },
        'h1',
      );
      assert.equal(key.revokedAt, null);
      assert.deepEqual(await c.findKeyByHash('h1'), key);
      assert.equal(await c.findKeyByHash('h2'), null);
      assert.equal(key.lastUsedAt, null);
      await c.touchKey('key_1', '2026-12-01T10:01:00.000Z');
      await c.touchKey('key_1', '2026-12-01T10:00:00.000Z');
      assert.equal(
        (await c.findKeyByHash('h1'))!.lastUsedAt,
        '2026-12-01T10:01:00.000Z',
        'an earlier use does not overwrite a later one',
      );
      const revoked = await c.revokeKey(t.id, 'key_1');
      assert.ok(revoked!.revokedAt);
      assert.equal(
        (await c.revokeKey(t.id, 'key_1'))!.revokedAt,
        revoked!.revokedAt,
        'first revocation kept',
      );
      assert.equal(await c.revokeKey('ten_other', 'key_1'), null);
      assert.deepEqual(await c.listKeys(t.id), [revoked]);
      const client = await c.createOAuthClient(
        { id: 'cli_1', tenantId: t.id, name: 'sync', scopes: ['connector.write'] },
        'secret-hash',
      );
      assert.deepEqual(await c.findOAuthClient('cli_1'), { client, secretHash: 'secret-hash' });
      assert.equal(client.lastUsedAt, null);
      await c.touchOAuthClient('cli_1', '2026-12-01T10:05:00.000Z');
      assert.equal((await c.findOAuthClient('cli_1'))!.client.lastUsedAt, '2026-12-01T10:05:00.000Z');
      assert.ok((await c.revokeOAuthClient(t.id, 'cli_1'))!.revokedAt);
      assert.equal((await c.listOAuthClients(t.id)).length, 1);
      const signing = await c.tokenSigningKey();
      assert.equal(await c.tokenSigningKey(), signing);
    }),
  );

  test(`${name}: what was written survives a reopen`, only, async () => {
    const place = factory.place();
    const c = await factory.open(place);
    const t = await c.createTenant('acme');
    await c.createApp(t.id, 'web');
    await c.close();
    const again = await factory.open(place);
    try {
      assert.deepEqual(await again.listTenants(), [t]);
      assert.equal((await again.findApp(t.id, 'web'))!.name, 'web');
    } finally {
      await again.close();
    }
  });
}
