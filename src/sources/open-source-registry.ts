import type { CatalogPlace } from '../catalog/catalog-place.ts';
import { PgSourceRegistry } from './postgres/source-registry.postgres.ts';
import type { SourceRegistry } from './source-registry.port.ts';
import { SqliteSourceRegistry } from './sqlite/source-registry.sqlite.ts';

/** The source registry beside the catalog: its SQLite file or its PostgreSQL schema. */
export async function openSourceRegistry(place: CatalogPlace): Promise<SourceRegistry> {
  return place.engine === 'sqlite'
    ? new SqliteSourceRegistry(place.file)
    : PgSourceRegistry.open(place.where, { migrate: place.migrate });
}
