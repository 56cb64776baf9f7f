import type { CatalogChanges } from '../../catalog/changes.ts';
import type { CatalogPlace } from '../../catalog/catalog-place.ts';
import type { OpenModule } from '../dialect.ts';
import { aggregatedRoutes } from './aggregated.routes.ts';
import type { MetricRegistry } from './metric-registry.port.ts';
import { MetricSet } from './metric-set.ts';
import { metricRoutes } from './metrics.routes.ts';
import { PgMetricRegistry } from './postgres/metric-registry.postgres.ts';
import { SqliteMetricRegistry } from './sqlite/metric-registry.sqlite.ts';

export async function openMetricRegistry(place: CatalogPlace): Promise<MetricRegistry> {
  return place.engine === 'sqlite'
    ? new SqliteMetricRegistry(place.file)
    : PgMetricRegistry.open(place.where, { migrate: place.migrate });
}

/** Aggregated usage: one payload of counts per metric, resolved to a company. Its registries opened, its routes to serve. */
export async function openAggregated(place: CatalogPlace, changes: CatalogChanges): Promise<OpenModule> {
  const registry = await openMetricRegistry(place);
  const metrics = new MetricSet(registry);
  const changed = () => changes.notify();
  changes.subscribe(() => metrics.invalidate());
  return {
    serve: async (app, d) => {
      await app.register(aggregatedRoutes, {
        auth: d.auth,
        apps: d.apps,
        enrichment: d.enrichment,
        metricSet: metrics,
        pipeline: d.pipeline,
        metrics: d.metrics,
      });
    },
    admin: async (app, d) => {
      await app.register(metricRoutes, { auth: d.auth, registry, changed });
    },
    close: () => registry.close(),
  };
}
