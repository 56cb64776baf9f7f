import type { CatalogPlace } from '../catalog/catalog-place.ts';
import type { LimitStore } from './limit-store.port.ts';
import { PgLimitStore } from './postgres/limit-store.postgres.ts';
import { SqliteLimitStore } from './sqlite/limit-store.sqlite.ts';

/** The limit store beside the catalog: its SQLite file or its PostgreSQL schema. */
export async function openLimitStore(place: CatalogPlace): Promise<LimitStore> {
  return place.engine === 'sqlite'
    ? new SqliteLimitStore(place.file)
    : PgLimitStore.open(place.where, { migrate: place.migrate });
}
