/**
 * What a module keeps in the event store beyond the generic events table: a table of
 * its own, filled from its events' documents in the same transaction that stores them,
 * so a replayed batch fills it once too. The SQL is text (it crosses into the store
 * thread); each engine's adapter runs its part.
 */
export interface Projection {
  /** The module (dialect) it belongs to, for messages and migrations. */
  module: string;
  /** Only documents of this `source` are projected. */
  source: string;
  duckdb: {
    /** Statements run at every open: `CREATE TABLE IF NOT EXISTS …`, and a backfill that finds nothing to do once done. */
    schema: string;
    /**
     * The INSERT, reading `$docs`: a subquery of (seq, doc) the store puts in its place,
     * doc being each canonical event's JSON text.
     */
    insert: string;
  };
  /** Its tables come from its module's migrations (dialect.ts `pgMigrations`). */
  postgres: {
    /**
     * A data-modifying CTE of the store's apply statement: it reads `parsed p` (seq,
     * tenant_id, app_id, source, name, occurred_at, session_id, props: the properties as
     * jsonb) joined with `ins` (the seqs actually inserted, so a replay adds nothing).
     */
    insert: string;
  };
}

/** The `$docs` placeholder of a DuckDB projection's INSERT, replaced by the store's documents. */
export const DOCS_PLACEHOLDER = '$docs';
