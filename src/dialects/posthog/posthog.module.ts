import type { CatalogPlace } from '../../catalog/catalog-place.ts';
import type { CatalogChanges } from '../../catalog/changes.ts';
import { openSourceRegistry } from '../../sources/open-source-registry.ts';
import { WriteKeys } from '../../sources/write-keys.ts';
import type { OpenModule } from '../dialect.ts';
import { posthogRoutes } from './posthog.routes.ts';

/** PostHog's capture API: the project tokens of posthog sources, and the routes. */
export async function openPostHog(place: CatalogPlace, changes: CatalogChanges): Promise<OpenModule> {
  const registry = await openSourceRegistry(place);
  const writeKeys = new WriteKeys(registry, 'posthog', changes);
  return {
    serve: async (app, d) => {
      await app.register(posthogRoutes, {
        writeKeys,
        enrichment: d.enrichment,
        pipeline: d.pipeline,
        metrics: d.metrics,
        maxBatchEvents: d.config.maxBatchEvents,
      });
    },
    close: () => registry.close(),
  };
}
