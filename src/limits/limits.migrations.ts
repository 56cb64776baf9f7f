import type { Migration } from '../storage/pg-migrations.ts';

/** The limits module's PostgreSQL steps (numbered within the module; never edited once released). */
export const limitsMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'limit settings and quota usage',
    sql: `
      CREATE TABLE limit_settings (
        tenant_id text NOT NULL REFERENCES tenants(id), scope text NOT NULL,
        settings text NOT NULL, PRIMARY KEY (tenant_id, scope));
      CREATE TABLE quota_usage (
        tenant_id text NOT NULL REFERENCES tenants(id), period text NOT NULL,
        events bigint NOT NULL, PRIMARY KEY (tenant_id, period));`,
  },
];
