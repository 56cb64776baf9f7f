import type { CatalogPlace } from '../catalog/catalog-place.ts';
import type { CatalogChanges } from '../catalog/changes.ts';
import type { OpenModule } from '../dialects/dialect.ts';
import { openSourceRegistry } from './open-source-registry.ts';
import { sourceRoutes } from './sources.routes.ts';
import { SourcesService } from './sources.service.ts';

/** Sources: the registry opened, and its admin routes. */
export async function openSources(place: CatalogPlace, changes: CatalogChanges): Promise<OpenModule> {
  const registry = await openSourceRegistry(place);
  return {
    admin: async (app, d) => {
      const sources = new SourcesService(registry, d.findApp, () => changes.notify());
      await app.register(sourceRoutes, { auth: d.auth, sources });
    },
    close: () => registry.close(),
  };
}
