import type { StoreReader } from '../store/event-store.port.ts';
import { ADMIN_EVENT_TYPES, PROFILE_EVENT_TYPES } from './event-types.ts';

/** Stored event types are those seen this recently: enough to pick filters from, cheap to find. */
const RECENT_MS = 7 * 24 * 3600_000;
/** A tenant with more distinct names than this gets the first ones, and the wildcards. */
const MAX_STORED_TYPES = 500;

export interface KnownTypes {
  /** Exact types: those of events stored lately, what dialects add, admin and profile changes. */
  types: string[];
  /** Namespace wildcards an endpoint filter may use. */
  wildcards: string[];
}

const SQL = {
  // The hourly rollup holds every (source, name) an hour saw: a small scan.
  duckdb: `SELECT DISTINCT source, name FROM counts_hourly
           WHERE tenant_id = $1 AND occurred_at >= $2::TIMESTAMP ORDER BY 1, 2 LIMIT ${MAX_STORED_TYPES}`,
  postgres: `SELECT DISTINCT source, name FROM events
             WHERE tenant_id = $1 AND occurred_at >= $2::timestamptz ORDER BY 1, 2 LIMIT ${MAX_STORED_TYPES}`,
};

/**
 * The event types an endpoint's filters can name, for a tenant: what its stored events
 * are emitted as (event-types.ts eventType), what the dialects add (session Started/Ended), and
 * usagehub's own; with the wildcards of each namespace.
 */
export function knownTypes(
  store: StoreReader,
  dialects: readonly { name: string; liveTypeNames?: readonly string[] }[],
): (tenantId: string, now?: number) => Promise<KnownTypes> {
  return async (tenantId, now = Date.now()) => {
    // DuckDB's TIMESTAMP is UTC without a zone; PostgreSQL's timestamptz takes the Z.
    const iso = new Date(now - RECENT_MS).toISOString();
    const since = store.engine === 'duckdb' ? iso.replace('Z', '') : iso;
    const rows = await store.select(SQL[store.engine], [tenantId, since]);
    const stored = rows.map((r) => `usagehub.event.${String(r.source)}.${String(r.name)}`);
    const added = dialects.flatMap((d) => d.liveTypeNames ?? []);
    return {
      types: [...new Set([...stored, ...added, ...ADMIN_EVENT_TYPES, ...PROFILE_EVENT_TYPES])].sort(),
      wildcards: [
        '*',
        'usagehub.event.*',
        ...dialects.map((d) => `usagehub.event.${d.name}.*`),
        ...new Set(
          [...added, ...ADMIN_EVENT_TYPES, ...PROFILE_EVENT_TYPES].map((t) => t.replace(/[^.]+$/, '*')),
        ),
      ],
    };
  };
}
