/**
 * What the registry conformance suites share: a registry is opened beside a catalog (the
 * same database), on a tenant the catalog made, on the adapter's real engine.
 */
import { test } from 'node:test';
import type { Catalog } from '../../src/catalog/catalog.port.ts';

export interface RegistryFactory<R extends { close(): Promise<void> }> {
  /** Why the adapter's engine is unavailable: its tests are skipped, showing this. */
  skip?: string;
  place(): string;
  catalog(place: string): Promise<Catalog>;
  open(place: string): Promise<R>;
}

/** A test that gets a fresh place, a tenant in its catalog (and the catalog), and the registry; `reopen` opens it again. */
export function registryTest<R extends { close(): Promise<void> }>(
  title: string,
  factory: RegistryFactory<R>,
  fn: (registry: R, tenantId: string, reopen: () => Promise<R>, catalog: Catalog) => Promise<void>,
): void {
  test(title, { skip: factory.skip }, async () => {
    const place = factory.place();
    const catalog = await factory.catalog(place);
    const opened: R[] = [];
    const open = async () => {
      const r = await factory.open(place);
      opened.push(r);
      return r;
    };
    try {
      const tenant = await catalog.createTenant('acme');
      await fn(await open(), tenant.id, open, catalog);
    } finally {
      for (const r of opened) await r.close();
      await catalog.close();
    }
  });
}
