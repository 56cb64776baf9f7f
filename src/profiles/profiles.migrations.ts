import type { Migration } from '../storage/pg-migrations.ts';

/** The profiles module's PostgreSQL steps (numbered within the module; never edited once released). */
export const profilesMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'people, their ids, and the outbox of changes to report',
    sql: `
      CREATE TABLE profiles (tenant_id text NOT NULL, id text NOT NULL, doc jsonb NOT NULL,
        PRIMARY KEY (tenant_id, id));
      CREATE TABLE profile_ids (tenant_id text NOT NULL, alias text NOT NULL, person_id text NOT NULL,
        PRIMARY KEY (tenant_id, alias));
      CREATE TABLE profile_outbox (seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, doc jsonb NOT NULL);`,
  },
  {
    version: 2,
    name: 'groups (PostHog $groupidentify, Segment group) and their properties',
    sql: `
      CREATE TABLE profile_groups (tenant_id text NOT NULL, type text NOT NULL, key text NOT NULL,
        doc jsonb NOT NULL, PRIMARY KEY (tenant_id, type, key));`,
  },
];
