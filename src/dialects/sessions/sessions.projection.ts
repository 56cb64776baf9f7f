import type { Projection } from '../../store/projection.ts';

const ENTITIES_SHAPE = JSON.stringify({ source: 'VARCHAR', properties: { entities: 'JSON' } });

/**
 * Sessions v3: each START/UPDATE/END event's entities, by seq, beside the events table
 * (whose session id and action are the canonical event's). Stores written before this
 * table kept the entities in an `entities` column of events; the table is filled from
 * it once.
 */
export const sessionsProjection: Projection = {
  module: 'sessions',
  source: 'sessions',
  duckdb: {
    schema: `
      CREATE TABLE IF NOT EXISTS session_entities (seq BIGINT NOT NULL, entities JSON NOT NULL);
      ALTER TABLE events ADD COLUMN IF NOT EXISTS entities JSON;
      INSERT INTO session_entities SELECT seq, entities FROM events
      WHERE entities IS NOT NULL AND NOT EXISTS (SELECT 1 FROM session_entities);`,
    insert: `
      INSERT INTO session_entities
      SELECT seq, s.properties.entities
      FROM (SELECT seq, json_transform(doc, '${ENTITIES_SHAPE}') AS s FROM ($docs))
      WHERE s.source = 'sessions' AND s.properties.entities IS NOT NULL`,
  },
  postgres: {
    insert: `
      INSERT INTO session_entities
      SELECT p.seq, p.props->'entities' FROM parsed p JOIN ins USING (seq)
      WHERE p.source = 'sessions' AND p.props->'entities' IS NOT NULL`,
  },
};
