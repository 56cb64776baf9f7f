import type { Migration } from '../../storage/pg-migrations.ts';

/** The insights module's PostgreSQL steps (numbered within the module; never edited once released). */
export const insightsMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'saved insights and dashboards',
    sql: `
      CREATE TABLE insight_library (
        tenant_id text NOT NULL REFERENCES tenants(id), kind text NOT NULL, id text NOT NULL,
        name text NOT NULL, body text NOT NULL, created_at text NOT NULL, updated_at text NOT NULL,
        PRIMARY KEY (tenant_id, kind, id));`,
  },
];
