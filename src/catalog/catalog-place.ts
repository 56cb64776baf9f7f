import type { PgLocation } from '../storage/postgres.ts';

/**
 * Where the catalog lives. Modules keep their own registries beside it, in the same
 * database, each behind its own port: an SQLite file (embedded) or a PostgreSQL schema.
 */
export type CatalogPlace =
  { engine: 'sqlite'; file: string } | { engine: 'postgres'; where: PgLocation; migrate: boolean };
