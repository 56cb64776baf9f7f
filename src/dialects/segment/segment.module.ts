import type { CatalogPlace } from '../../catalog/catalog-place.ts';
import type { CatalogChanges } from '../../catalog/changes.ts';
import { openSourceRegistry } from '../../sources/open-source-registry.ts';
import { WriteKeys } from '../../sources/write-keys.ts';
import type { OpenModule } from '../dialect.ts';
import { segmentRoutes } from './segment.routes.ts';

/** Segment's HTTP Tracking API: the write keys of Segment sources, and the routes. */
export async function openSegment(place: CatalogPlace, changes: CatalogChanges): Promise<OpenModule> {
  const registry = await openSourceRegistry(place);
  const writeKeys = new WriteKeys(registry, 'segment', changes);
  return {
    serve: async (app, d) => {
      await app.register(segmentRoutes, {
        writeKeys,
        enrichment: d.enrichment,
        pipeline: d.pipeline,
        metrics: d.metrics,
      });
    },
    close: () => registry.close(),
  };
}
