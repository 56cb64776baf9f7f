/** The InsightLibrary conformance suite: saved insights and dashboards, per tenant, on every adapter. */
import assert from 'node:assert/strict';
import type { InsightLibrary, LibraryDocument } from '../../src/insights/library/library.port.ts';
import { registryTest, type RegistryFactory } from './registry-suite.ts';

const doc = (tenantId: string, p: Partial<LibraryDocument>): LibraryDocument => ({
  id: 'ins_1',
  tenantId,
  kind: 'insight',
  name: 'Weekly exporters',
  body: { description: '', definition: { kind: 'trends', series: [{ event: 'exported' }] } },
  createdAt: '2026-12-08T10:00:00.000Z',
  updatedAt: '2026-12-08T10:00:00.000Z',
  ...p,
});

export function insightLibraryConformance(name: string, factory: RegistryFactory<InsightLibrary>): void {
  registryTest(
    `${name}: documents by tenant, kind and id; replaced whole, created time kept`,
    factory,
    async (lib, t, reopen, catalog) => {
      const other = (await catalog.createTenant('other')).id;
      await lib.put(doc(t, {}));
      await lib.put(doc(t, { id: 'ins_2', name: 'Active companies é' }));
      await lib.put(
        doc(t, {
          id: 'dsh_1',
          kind: 'dashboard',
          name: 'Growth',
          body: { items: [{ insight: 'ins_1', size: 'large' }] },
        }),
      );
      await lib.put(doc(other, { name: 'Theirs' }));
      assert.deepEqual(
        (await lib.list(t, 'insight')).map((d) => d.name),
        ['Active companies é', 'Weekly exporters'],
      );
      assert.deepEqual(
        (await lib.list(t, 'dashboard')).map((d) => d.body),
        [{ items: [{ insight: 'ins_1', size: 'large' }] }],
      );
      assert.equal((await lib.get(other, 'insight', 'ins_1'))!.name, 'Theirs');
      assert.equal(await lib.get(t, 'dashboard', 'ins_1'), null, 'kinds apart');
      const replaced = await lib.put(
        doc(t, {
          name: 'Renamed',
          createdAt: '2030-01-01T00:00:00.000Z',
          updatedAt: '2026-12-09T00:00:00.000Z',
        }),
      );
      assert.equal(replaced.name, 'Renamed');
      assert.equal(replaced.createdAt, '2026-12-08T10:00:00.000Z');
      assert.equal(replaced.updatedAt, '2026-12-09T00:00:00.000Z');
      assert.equal(await lib.remove(t, 'insight', 'ins_1'), true);
      assert.equal(await lib.remove(t, 'insight', 'ins_1'), false);
      const again = await reopen();
      assert.deepEqual(
        (await again.list(t, 'insight')).map((d) => d.id),
        ['ins_2'],
      );
      assert.equal((await again.list(other, 'insight')).length, 1);
    },
  );
}
