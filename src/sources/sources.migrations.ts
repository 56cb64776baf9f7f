import type { Migration } from '../storage/pg-migrations.ts';

/** The sources module's PostgreSQL steps (numbered within the module; never edited once released). */
export const sourcesMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'sources and their write keys',
    sql: `
      CREATE TABLE sources (
        id text PRIMARY KEY, tenant_id text NOT NULL REFERENCES tenants(id),
        kind text NOT NULL, app_id text NOT NULL REFERENCES apps(id),
        write_key text NOT NULL UNIQUE, created_at text NOT NULL, revoked_at text);
      CREATE INDEX sources_tenant ON sources (tenant_id, created_at);`,
  },
  {
    version: 2,
    name: 'the web origins a write key may send from',
    sql: `ALTER TABLE sources ADD COLUMN allowed_origins text;`,
  },
];
