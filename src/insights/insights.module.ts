import type { CatalogPlace } from '../catalog/catalog-place.ts';
import type { OpenModule } from '../dialects/dialect.ts';
import { insightRoutes } from './insights.routes.ts';
import { Insights } from './insights.service.ts';
import type { InsightLibrary } from './library/library.port.ts';
import { libraryRoutes } from './library/library.routes.ts';
import { LibraryService } from './library/library.service.ts';
import { PgInsightLibrary } from './library/postgres/library.postgres.ts';
import { SqliteInsightLibrary } from './library/sqlite/library.sqlite.ts';

export async function openInsightLibrary(place: CatalogPlace): Promise<InsightLibrary> {
  return place.engine === 'sqlite'
    ? new SqliteInsightLibrary(place.file)
    : PgInsightLibrary.open(place.where, { migrate: place.migrate });
}

/** Insights: the query route over the event store, and the library of saved insights and dashboards beside the catalog. */
export async function openInsights(place: CatalogPlace): Promise<OpenModule> {
  const library = await openInsightLibrary(place);
  return {
    serve: async (app, d) => {
      const insights = new Insights(d.queries, d.apps, Date.now, d.config.queryTimeoutMs);
      await app.register(insightRoutes, { auth: d.auth, insights });
      await app.register(libraryRoutes, { auth: d.auth, library: new LibraryService(library, insights) });
    },
    close: () => library.close(),
  };
}
