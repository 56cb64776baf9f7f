import type { Migration } from '../../storage/pg-migrations.ts';

/** The sessions module's PostgreSQL steps (numbered within the module; never edited once released). */
export const sessionsMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'session entities beside the events',
    sql: `
      CREATE TABLE session_entities (seq bigint PRIMARY KEY, entities jsonb NOT NULL);
      INSERT INTO session_entities SELECT seq, entities FROM events WHERE entities IS NOT NULL
      ON CONFLICT DO NOTHING;`,
  },
];
