import type { Migration } from '../storage/pg-migrations.ts';

/** The console module's PostgreSQL steps (numbered within the module; never edited once released). */
export const consoleMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'console sessions',
    sql: `
      CREATE TABLE console_sessions (
        token_hash text PRIMARY KEY, tenant_id text NOT NULL REFERENCES tenants(id),
        key_id text NOT NULL, key_hash text NOT NULL, role text NOT NULL, csrf_token text NOT NULL,
        created_at text NOT NULL, expires_at text NOT NULL, ended_at text);
      CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);`,
  },
];
