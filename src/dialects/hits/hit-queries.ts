import type { StoreReader } from '../../store/event-store.port.ts';
import { duckdbHitQueries } from './duckdb/hit-queries.duckdb.ts';
import type { HitQueries } from './hit-queries.port.ts';
import { pgHitQueries } from './postgres/hit-queries.postgres.ts';

export type * from './hit-queries.port.ts';

/** The hit queries over a store, written for its engine (the hits table is hits.projection.ts). */
export function hitQueries(store: StoreReader): HitQueries {
  return store.engine === 'duckdb' ? duckdbHitQueries(store) : pgHitQueries(store);
}
