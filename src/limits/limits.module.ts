import type { CatalogPlace } from '../catalog/catalog-place.ts';
import type { OpenModule } from '../dialects/dialect.ts';
import { LimitSettingsCache } from './limit-settings-cache.ts';
import { limitRoutes, type Ceilings } from './limits.routes.ts';
import { openLimitStore } from './open-limit-store.ts';

/**
 * Limits: tenants' own settings opened beside the catalog; in a serving process they are
 * attached to the ingest limits (lower rates, quotas), and the admin routes manage them.
 */
export async function openLimits(place: CatalogPlace): Promise<OpenModule> {
  const store = await openLimitStore(place);
  let cache: LimitSettingsCache | null = null;
  let ceilings: Ceilings | null = null;
  return {
    serve: async (_app, deps) => {
      const c = deps.config;
      ceilings = {
        key: {
          requestsPerSecond: c.limitKeyRequestsPerSecond,
          eventsPerSecond: c.limitKeyEventsPerSecond,
          bytesPerSecond: c.limitKeyBytesPerSecond,
        },
        tenant: {
          requestsPerSecond: c.limitTenantRequestsPerSecond,
          eventsPerSecond: c.limitTenantEventsPerSecond,
          bytesPerSecond: c.limitTenantBytesPerSecond,
        },
      };
      cache = new LimitSettingsCache(store, (err) =>
        deps.onError(err, 'limit settings and quota counts (retrying)'),
      );
      await cache.start();
      deps.admission.limits.attach(cache);
    },
    admin: async (app, d) => {
      await app.register(limitRoutes, { auth: d.auth, store, cache: () => cache, ceilings: () => ceilings });
    },
    close: async () => {
      await cache?.stop().catch(() => {});
      await store.close();
    },
  };
}
