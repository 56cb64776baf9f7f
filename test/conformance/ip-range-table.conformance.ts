/** The IpRangeTable conformance suite (enrichment/ip-range-table.port.ts). */
import assert from 'node:assert/strict';
import type { IpRangeTable } from '../../src/enrichment/ip-range-table.port.ts';
import { registryTest, type RegistryFactory } from './registry-suite.ts';

export function ipRangeTableConformance(name: string, factory: RegistryFactory<IpRangeTable>): void {
  registryTest(`${name}: IP ranges replaced whole, versioned`, factory, async (r, t, reopen) => {
    assert.equal(await r.version(t), 0);
    await r.replace(t, [{ cidr: '10.0.0.0/8', organisation: 'Acme', domain: 'acme.com' }]);
    await r.replace(t, [{ cidr: '192.168.0.0/16', organisation: 'Home', domain: null }]);
    assert.equal(await r.version(t), 2);
    assert.deepEqual(await r.list(t), [{ cidr: '192.168.0.0/16', organisation: 'Home', domain: null }]);
    const again = await reopen();
    assert.equal(await again.version(t), 2);
    assert.equal(await again.version('ten_other'), 0);
  });
}
