/** The LimitStore conformance suite (limits/limit-store.port.ts). */
import assert from 'node:assert/strict';
import type { LimitStore } from '../../src/limits/limit-store.port.ts';
import { registryTest, type RegistryFactory } from './registry-suite.ts';

export function limitStoreConformance(name: string, factory: RegistryFactory<LimitStore>): void {
  registryTest(
    `${name}: settings per tenant and key, replaced and cleared`,
    factory,
    async (s, t, reopen, catalog) => {
      assert.deepEqual(await s.get(t), { tenantId: t, tenant: {}, keys: {} });
      await s.setTenant(t, { eventsPerSecond: 50, eventsPerDay: 1000 });
      await s.setKey(t, 'src_a', { requestsPerSecond: 5 });
      await s.setKey(t, 'key_b', { bytesPerSecond: 1024 });
      const other = await catalog.createTenant('other');
      await s.setTenant(other.id, { eventsPerMonth: 9 });
      assert.deepEqual(await s.get(t), {
        tenantId: t,
        tenant: { eventsPerSecond: 50, eventsPerDay: 1000 },
        keys: { src_a: { requestsPerSecond: 5 }, key_b: { bytesPerSecond: 1024 } },
      });
      await s.setTenant(t, { eventsPerSecond: 20 });
      await s.setKey(t, 'key_b', null);
      const again = await reopen();
      assert.deepEqual(await again.get(t), {
        tenantId: t,
        tenant: { eventsPerSecond: 20 },
        keys: { src_a: { requestsPerSecond: 5 } },
      });
      assert.deepEqual((await again.all()).map((x) => x.tenantId).sort(), [t, other.id].sort());
      await again.setTenant(other.id, {});
      assert.deepEqual(await again.get(other.id), { tenantId: other.id, tenant: {}, keys: {} });
    },
  );

  registryTest(
    `${name}: quota usage adds up per tenant and period`,
    factory,
    async (s, t, reopen, catalog) => {
      const other = await catalog.createTenant('other');
      assert.deepEqual(await s.usage(t, ['d2026-12-07', 'm2026-12']), { 'd2026-12-07': 0, 'm2026-12': 0 });
      await s.addUsage([
        { tenantId: t, period: 'd2026-12-07', events: 5 },
        { tenantId: t, period: 'm2026-12', events: 5 },
        { tenantId: other.id, period: 'd2026-12-07', events: 100 },
      ]);
      await s.addUsage([{ tenantId: t, period: 'd2026-12-07', events: 2 }]);
      await s.addUsage([]);
      const again = await reopen();
      assert.deepEqual(await again.usage(t, ['d2026-12-07', 'm2026-12', 'd2026-12-08']), {
        'd2026-12-07': 7,
        'm2026-12': 5,
        'd2026-12-08': 0,
      });
      assert.deepEqual(await again.usage(other.id, ['d2026-12-07']), { 'd2026-12-07': 100 });
    },
  );
}
