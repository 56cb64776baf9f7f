import type { CatalogChanges } from '../../catalog/changes.ts';
import type { CatalogPlace } from '../../catalog/catalog-place.ts';
import type { OpenModule } from '../dialect.ts';
import { PgSessionTypeStore } from './postgres/session-types.postgres.ts';
import type { SessionTypeStore } from './session-types.port.ts';
import { sessionTypeRoutes } from './session-types.routes.ts';
import { SessionTypeRegistry } from './session-types.ts';
import { sessionQueryRoutes } from './sessions-queries.routes.ts';
import { sessionsRoutes } from './sessions.routes.ts';
import { sessionQueries } from './session-queries.ts';
import { SqliteSessionTypeStore } from './sqlite/session-types.sqlite.ts';

export async function openSessionTypeStore(place: CatalogPlace): Promise<SessionTypeStore> {
  return place.engine === 'sqlite'
    ? new SqliteSessionTypeStore(place.file)
    : PgSessionTypeStore.open(place.where, { migrate: place.migrate });
}

/** Sessions v3: START/UPDATE/END events, sessions joined from them at query time. Its registries opened, its routes to serve. */
export async function openSessions(place: CatalogPlace, changes: CatalogChanges): Promise<OpenModule> {
  const store = await openSessionTypeStore(place);
  const types = new SessionTypeRegistry(store);
  const changed = () => changes.notify();
  changes.subscribe(() => types.invalidate());
  return {
    serve: async (app, d) => {
      await app.register(sessionsRoutes, {
        auth: d.auth,
        apps: d.apps,
        types,
        pipeline: d.pipeline,
        metrics: d.metrics,
      });
      await app.register(sessionQueryRoutes, {
        auth: d.auth,
        apps: d.apps,
        store: d.queries,
        sessionIdleMs: d.config.sessionIdleSeconds * 1000,
      });
    },
    admin: async (app, d) => {
      await app.register(sessionTypeRoutes, { auth: d.auth, store, changed });
    },
    measure: ({ config, metrics, queries }) => {
      const gauges = sessionQueries(queries);
      metrics.measureSessions(() => gauges.sessionGauges(config.sessionIdleSeconds * 1000, Date.now()));
    },
    close: () => store.close(),
  };
}
