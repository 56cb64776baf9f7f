/** The MetricRegistry conformance suite (dialects/aggregated/metric-registry.port.ts). */
import assert from 'node:assert/strict';
import type { MetricRegistry } from '../../src/dialects/aggregated/metric-registry.port.ts';
import { registryTest, type RegistryFactory } from './registry-suite.ts';

export function metricRegistryConformance(name: string, factory: RegistryFactory<MetricRegistry>): void {
  registryTest(`${name}: metrics by key, description replaced`, factory, async (r, t, reopen) => {
    await r.put(t, { key: 'primary', description: 'seats' });
    await r.put(t, { key: 'primary', description: 'users' });
    assert.deepEqual(await r.list(t), [{ key: 'primary', description: 'users' }]);
    assert.deepEqual(await (await reopen()).list(t), [{ key: 'primary', description: 'users' }]);
    assert.equal(await r.remove(t, 'primary'), true);
    assert.equal(await r.remove(t, 'primary'), false);
  });
}
