import type { Projection } from '../../store/projection.ts';

/** What a hit's document holds for the hit queries (hits.mapping.ts sets these properties). */
const HIT_SHAPE = JSON.stringify({
  tenantId: 'VARCHAR',
  appId: 'VARCHAR',
  source: 'VARCHAR',
  name: 'VARCHAR',
  occurredAt: 'BIGINT',
  properties: {
    origin: 'INTEGER',
    medias: ['VARCHAR'],
    watchedSeconds: 'DOUBLE',
    search: { searchType: 'VARCHAR', resultCount: 'BIGINT' },
    connection: { mode: 'VARCHAR', success: 'BOOLEAN' },
  },
});

/**
 * Statistic hits: one row per hit with what the hit queries group by (medias, seconds
 * watched, search type and result count, connection mode and success), beside the
 * events table. The PostgreSQL table came with the store's first migration.
 */
export const hitsProjection: Projection = {
  module: 'hits',
  source: 'hits',
  duckdb: {
    schema: `
      CREATE TABLE IF NOT EXISTS hits (
        seq BIGINT NOT NULL, tenant_id VARCHAR NOT NULL, app_id VARCHAR NOT NULL,
        occurred_at TIMESTAMP_MS NOT NULL, type VARCHAR NOT NULL, origin INTEGER,
        medias VARCHAR[], watched_seconds DOUBLE, search_type VARCHAR, result_count BIGINT,
        conn_mode VARCHAR, conn_success BOOLEAN);`,
    insert: `
      INSERT INTO hits
      SELECT seq, s.tenantId, s.appId, epoch_ms(s.occurredAt), s.name, s.properties.origin,
             s.properties.medias, s.properties.watchedSeconds, s.properties.search.searchType,
             s.properties.search.resultCount, s.properties.connection.mode, s.properties.connection.success
      FROM (SELECT seq, json_transform(doc, '${HIT_SHAPE}') AS s FROM ($docs))
      WHERE s.source = 'hits'`,
  },
  postgres: {
    insert: `
      INSERT INTO hits
      SELECT p.seq, p.tenant_id, p.app_id, p.occurred_at, p.name, (p.props->>'origin')::integer,
             ARRAY(SELECT jsonb_array_elements_text(CASE jsonb_typeof(p.props->'medias')
                                                      WHEN 'array' THEN p.props->'medias' END)),
             (p.props->>'watchedSeconds')::double precision, p.props->'search'->>'searchType',
             (p.props->'search'->>'resultCount')::bigint, p.props->'connection'->>'mode',
             (p.props->'connection'->>'success')::boolean
      FROM parsed p JOIN ins USING (seq) WHERE p.source = 'hits'`,
  },
};
