/** Every registry kept beside the catalog, on SQLite (catalog.db) and on PostgreSQL. */
import path from 'node:path';
import { PgCatalog } from '../src/catalog/postgres/catalog.postgres.ts';
import { SqliteCatalog } from '../src/catalog/sqlite/catalog.sqlite.ts';
import { PgMetricRegistry } from '../src/dialects/aggregated/postgres/metric-registry.postgres.ts';
import { SqliteMetricRegistry } from '../src/dialects/aggregated/sqlite/metric-registry.sqlite.ts';
import { PgHitRegistry } from '../src/dialects/hits/postgres/hit-registry.postgres.ts';
import { SqliteHitRegistry } from '../src/dialects/hits/sqlite/hit-registry.sqlite.ts';
import { PgSessionTypeStore } from '../src/dialects/sessions/postgres/session-types.postgres.ts';
import { SqliteSessionTypeStore } from '../src/dialects/sessions/sqlite/session-types.sqlite.ts';
import { PgIpRangeTable } from '../src/enrichment/postgres/ip-range-table.postgres.ts';
import { SqliteIpRangeTable } from '../src/enrichment/sqlite/ip-range-table.sqlite.ts';
import { parsePgUrl } from '../src/storage/postgres.ts';
import { hitRegistryConformance } from './conformance/hit-registry.conformance.ts';
import { ipRangeTableConformance } from './conformance/ip-range-table.conformance.ts';
import { metricRegistryConformance } from './conformance/metric-registry.conformance.ts';
import type { RegistryFactory } from './conformance/registry-suite.ts';
import { sessionTypesConformance } from './conformance/session-types.conformance.ts';
import { sourceRegistryConformance } from './conformance/source-registry.conformance.ts';
import { limitStoreConformance } from './conformance/limit-store.conformance.ts';
import { PgLimitStore } from '../src/limits/postgres/limit-store.postgres.ts';
import { SqliteLimitStore } from '../src/limits/sqlite/limit-store.sqlite.ts';
import { PgSourceRegistry } from '../src/sources/postgres/source-registry.postgres.ts';
import { SqliteSourceRegistry } from '../src/sources/sqlite/source-registry.sqlite.ts';
import { profileStoreConformance } from './conformance/profile-store.conformance.ts';
import { PgProfileStore } from '../src/profiles/postgres/profile-store.postgres.ts';
import { SqliteProfileStore } from '../src/profiles/sqlite/profile-store.sqlite.ts';
import { sessionStoreConformance } from './conformance/session-store.conformance.ts';
import { insightLibraryConformance } from './conformance/insight-library.conformance.ts';
import { SqliteInsightLibrary } from '../src/insights/library/sqlite/library.sqlite.ts';
import { PgInsightLibrary } from '../src/insights/library/postgres/library.postgres.ts';
import { PgSessionStore } from '../src/console/postgres/session-store.postgres.ts';
import { SqliteSessionStore } from '../src/console/sqlite/session-store.sqlite.ts';
import { tempDir } from './helpers/server.ts';
import { pgPlace, pgSkip } from './helpers/services.ts';

const sqlite = <R extends { close(): Promise<void> }>(open: (file: string) => R): RegistryFactory<R> => ({
  place: () => path.join(tempDir(), 'catalog.db'),
  catalog: async (file) => new SqliteCatalog(file),
  open: async (file) => open(file),
});
const postgres = <R extends { close(): Promise<void> }>(
  open: (where: ReturnType<typeof parsePgUrl>) => Promise<R>,
): RegistryFactory<R> => ({
  skip: pgSkip,
  place: () => pgPlace(),
  catalog: (url) => PgCatalog.open(parsePgUrl(url), { migrate: true }),
  open: (url) => open(parsePgUrl(url)),
});
const migrated = { migrate: false };

hitRegistryConformance(
  'SqliteHitRegistry',
  sqlite((f) => new SqliteHitRegistry(f)),
);
hitRegistryConformance(
  'PgHitRegistry',
  postgres((w) => PgHitRegistry.open(w, migrated)),
);
sessionTypesConformance(
  'SqliteSessionTypeStore',
  sqlite((f) => new SqliteSessionTypeStore(f)),
);
sessionTypesConformance(
  'PgSessionTypeStore',
  postgres((w) => PgSessionTypeStore.open(w, migrated)),
);
metricRegistryConformance(
  'SqliteMetricRegistry',
  sqlite((f) => new SqliteMetricRegistry(f)),
);
metricRegistryConformance(
  'PgMetricRegistry',
  postgres((w) => PgMetricRegistry.open(w, migrated)),
);
ipRangeTableConformance(
  'SqliteIpRangeTable',
  sqlite((f) => new SqliteIpRangeTable(f)),
);
ipRangeTableConformance(
  'PgIpRangeTable',
  postgres((w) => PgIpRangeTable.open(w, migrated)),
);
sourceRegistryConformance(
  'SqliteSourceRegistry',
  sqlite((f) => new SqliteSourceRegistry(f)),
);
// The sources module's own migration steps run at first open here, as `usagehub migrate` would.
sourceRegistryConformance(
  'PgSourceRegistry',
  postgres((w) => PgSourceRegistry.open(w, { migrate: true })),
);
limitStoreConformance(
  'SqliteLimitStore',
  sqlite((f) => new SqliteLimitStore(f)),
);
// The limits module's own migration steps run at first open here, as `usagehub migrate` would.
limitStoreConformance(
  'PgLimitStore',
  postgres((w) => PgLimitStore.open(w, { migrate: true })),
);
profileStoreConformance(
  'SqliteProfileStore',
  sqlite((f) => new SqliteProfileStore(f)),
);
profileStoreConformance(
  'PgProfileStore',
  postgres((w) => PgProfileStore.open(w, { migrate: true })),
);
sessionStoreConformance(
  'SqliteSessionStore',
  sqlite((f) => new SqliteSessionStore(f)),
);
sessionStoreConformance(
  'PgSessionStore',
  postgres((w) => PgSessionStore.open(w, { migrate: true })),
);
insightLibraryConformance(
  'SqliteInsightLibrary',
  sqlite((f) => new SqliteInsightLibrary(f)),
);
// The insights module's own migration steps run at first open here, as `usagehub migrate` would.
insightLibraryConformance(
  'PgInsightLibrary',
  postgres((w) => PgInsightLibrary.open(w, { migrate: true })),
);
