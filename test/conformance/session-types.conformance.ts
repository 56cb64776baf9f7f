/** The SessionTypeStore conformance suite (dialects/sessions/session-types.port.ts). */
import assert from 'node:assert/strict';
import type { SessionTypeStore } from '../../src/dialects/sessions/session-types.port.ts';
import { registryTest, type RegistryFactory } from './registry-suite.ts';

export function sessionTypesConformance(name: string, factory: RegistryFactory<SessionTypeStore>): void {
  registryTest(`${name}: session types, added once, sorted`, factory, async (r, t, reopen) => {
    await r.add(t, 'VIDEO');
    await r.add(t, 'VIDEO');
    await r.add(t, 'AUDIO');
    assert.deepEqual(await r.list(t), ['AUDIO', 'VIDEO']);
    assert.deepEqual(await (await reopen()).list(t), ['AUDIO', 'VIDEO']);
    assert.deepEqual(await r.list('ten_other'), []);
  });
}
