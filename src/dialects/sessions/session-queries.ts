import type { StoreReader } from '../../store/event-store.port.ts';
import { duckdbSessionQueries } from './duckdb/session-queries.duckdb.ts';
import type { SessionQueries } from './session-queries.port.ts';
import { pgSessionQueries } from './postgres/session-queries.postgres.ts';

export type * from './session-queries.port.ts';

/** The session queries over a store, written for its engine (entities: sessions.projection.ts). */
export function sessionQueries(store: StoreReader): SessionQueries {
  return store.engine === 'duckdb' ? duckdbSessionQueries(store) : pgSessionQueries(store);
}
