import type { CatalogPlace } from '../catalog/catalog-place.ts';
import { PgSessionStore } from './postgres/session-store.postgres.ts';
import type { SessionStore } from './session-store.port.ts';
import { SqliteSessionStore } from './sqlite/session-store.sqlite.ts';

/** The console's session store beside the catalog: its SQLite file or its PostgreSQL schema. */
export async function openSessionStore(place: CatalogPlace): Promise<SessionStore> {
  return place.engine === 'sqlite'
    ? new SqliteSessionStore(place.file)
    : PgSessionStore.open(place.where, { migrate: place.migrate });
}
