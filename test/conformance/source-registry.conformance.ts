/** The SourceRegistry conformance suite (sources/source-registry.port.ts). */
import assert from 'node:assert/strict';
import type { SourceRegistry } from '../../src/sources/source-registry.port.ts';
import { registryTest, type RegistryFactory } from './registry-suite.ts';

export function sourceRegistryConformance(name: string, factory: RegistryFactory<SourceRegistry>): void {
  registryTest(
    `${name}: sources by write key, listed, revoked once`,
    factory,
    async (r, t, reopen, catalog) => {
      const created = await catalog.createApp(t, 'web');
      assert.equal(created.outcome, 'created');
      const appId = created.outcome === 'created' ? created.value.id : '';
      const seg = await r.create(t, 'segment', appId);
      const ph = await r.create(t, 'posthog', appId);
      assert.match(seg.writeKey, /^wks_[A-Za-z0-9_-]{32}$/);
      assert.match(ph.writeKey, /^phc_/);
      assert.notEqual(seg.id, ph.id);
      assert.deepEqual(await r.findByWriteKey(seg.writeKey), seg);
      assert.equal(await r.findByWriteKey('wks_unknown'), null);
      assert.deepEqual((await r.list(t)).map((s) => s.id).sort(), [seg.id, ph.id].sort());
      assert.equal(await r.get('ten_other', seg.id), null, 'another tenant does not see it');
      assert.equal(await r.revoke('ten_other', seg.id), null);
      const revoked = await r.revoke(t, seg.id);
      assert.ok(revoked?.revokedAt);
      assert.equal(
        (await r.revoke(t, seg.id))?.revokedAt,
        revoked.revokedAt,
        'revoked once: the first time stays',
      );
      const again = await reopen();
      assert.deepEqual(
        await again.findByWriteKey(seg.writeKey),
        revoked,
        'a revoked key is still found, as revoked',
      );
      assert.deepEqual(await again.get(t, ph.id), ph);
      assert.equal(await r.revoke(t, 'src_missing'), null);
    },
  );
  registryTest(`${name}: the origins a write key may send from`, factory, async (r, t, reopen, catalog) => {
    const created = await catalog.createApp(t, 'web');
    const appId = created.outcome === 'created' ? created.value.id : '';
    const s = await r.create(t, 'posthog', appId);
    assert.deepEqual(s.allowedOrigins, [], 'any origin by default');
    const origins = ['https://app.example.com', 'http://localhost:3000'];
    assert.deepEqual((await r.setAllowedOrigins(t, s.id, origins))?.allowedOrigins, origins);
    assert.equal(await r.setAllowedOrigins('ten_other', s.id, []), null, 'another tenant cannot change it');
    assert.deepEqual((await (await reopen()).findByWriteKey(s.writeKey))?.allowedOrigins, origins);
    assert.deepEqual((await r.setAllowedOrigins(t, s.id, []))?.allowedOrigins, []);
    assert.equal(await r.setAllowedOrigins(t, 'src_missing', origins), null);
  });
}
