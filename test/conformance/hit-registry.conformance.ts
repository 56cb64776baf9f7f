/** The HitRegistry conformance suite (dialects/hits/hit-registry.port.ts). */
import assert from 'node:assert/strict';
import type { HitRegistry } from '../../src/dialects/hits/hit-registry.port.ts';
import { registryTest, type RegistryFactory } from './registry-suite.ts';

export function hitRegistryConformance(name: string, factory: RegistryFactory<HitRegistry>): void {
  registryTest(`${name}: hit users by id, replaced whole; medias`, factory, async (r, t, reopen) => {
    await r.putUser(t, { id: 'u2', firstName: 'Bo', lastName: null, email: null });
    await r.putUser(t, { id: 'u1', firstName: 'Al', lastName: 'X', email: 'al@x.com' });
    await r.putUser(t, { id: 'u2', firstName: 'Bob', lastName: null, email: null });
    assert.deepEqual(
      (await r.listUsers(t)).map((u) => [u.id, u.firstName]),
      [
        ['u1', 'Al'],
        ['u2', 'Bob'],
      ],
    );
    assert.equal(await r.removeUser(t, 'u1'), true);
    assert.equal(await r.removeUser(t, 'u1'), false);
    await r.putMedia(t, { id: 'm1', kind: 'video', durationSeconds: 12.5 });
    assert.deepEqual(await r.listMedias(t), [{ id: 'm1', kind: 'video', durationSeconds: 12.5 }]);
    assert.deepEqual(await (await reopen()).listMedias(t), [
      { id: 'm1', kind: 'video', durationSeconds: 12.5 },
    ]);
    assert.equal(await r.removeMedia(t, 'm1'), true);
    assert.deepEqual(await r.listMedias('ten_other'), []);
  });
}
