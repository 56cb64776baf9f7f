import type { CatalogChanges } from '../../catalog/changes.ts';
import type { CatalogPlace } from '../../catalog/catalog-place.ts';
import type { OpenModule } from '../dialect.ts';
import type { HitRegistry } from './hit-registry.port.ts';
import { hitRegistryRoutes } from './hit-registry.routes.ts';
import { HitSnapshots } from './hit-snapshots.ts';
import { hitQueryRoutes } from './hits-queries.routes.ts';
import { hitsRoutes } from './hits.routes.ts';
import { hitTypeRoutes } from './hit-types.routes.ts';
import { damRoutes } from './dam.routes.ts';
import { PgHitRegistry } from './postgres/hit-registry.postgres.ts';
import { SqliteHitRegistry } from './sqlite/hit-registry.sqlite.ts';

export async function openHitRegistry(place: CatalogPlace): Promise<HitRegistry> {
  return place.engine === 'sqlite'
    ? new SqliteHitRegistry(place.file)
    : PgHitRegistry.open(place.where, { migrate: place.migrate });
}

/** Statistic hits: one hit per request, checked against its type's schema and the registries. Its registries opened, its routes to serve. */
export async function openHits(place: CatalogPlace, changes: CatalogChanges): Promise<OpenModule> {
  const registry = await openHitRegistry(place);
  const changed = () => changes.notify();
  let snapshots: HitSnapshots | null = null;
  changes.subscribe(() => snapshots?.invalidate());
  return {
    serve: async (app, d) => {
      snapshots = new HitSnapshots(registry, d.catalog);
      await app.register(hitsRoutes, {
        auth: d.auth,
        catalog: d.catalog,
        apps: d.apps,
        snapshots,
        registry,
        pipeline: d.pipeline,
      });
      await app.register(hitTypeRoutes);
      await app.register(damRoutes, { auth: d.auth, catalog: d.catalog, registry });
      await app.register(hitQueryRoutes, { auth: d.auth, apps: d.apps, store: d.queries });
    },
    admin: async (app, d) => {
      await app.register(hitRegistryRoutes, { auth: d.auth, registry, changed });
    },
    close: () => registry.close(),
  };
}
