import type { LogBatch } from '../log/event-log.port.ts';
import type { Hole, QuarantineQuery, QuarantinedEvent, ReapplyOutcome } from './quarantine.ts';
import type {
  CountRow,
  CountsQuery,
  ExportPage,
  ExportQuery,
  LocatedPage,
  PersonLink,
  PersonTraits,
  TopCompaniesQuery,
  TopCompanyRow,
  TopUserRow,
  TopUsersQuery,
  UsageQuery,
  UsageRow,
  UsersQuery,
  UsersRow,
} from './queries.ts';

/** The engines an event store runs on; a module's own queries are written for each. */
export type StoreEngine = 'duckdb' | 'postgres';

/** A row of a module's own query: column name → value (numbers, text, booleans, null; PostgreSQL's bigint as text). */
export type Row = Record<string, unknown>;

/** The read side of the store: what the query API, dashboards and export ask. */
export interface EventQueries {
  counts(q: CountsQuery): Promise<CountRow[]>;
  distinctUsers(q: UsersQuery): Promise<UsersRow[]>;
  topUsers(q: TopUsersQuery): Promise<TopUserRow[]>;
  exportPage(q: ExportQuery): Promise<ExportPage>;
  /**
   * One event's document by its usagehub id (its seq, the address of its document in
   * the log), or null when there is none or it is another tenant's. Read from the log
   * alone: the store is not asked where it is.
   */
  eventAt(tenantId: string, seq: number): Promise<string | null>;
  /** The sum of counts split by dimensions (aggregated usage: company, domain, metric, product, environment). */
  usage(q: UsageQuery): Promise<UsageRow[]>;
  topCompanies(q: TopCompaniesQuery): Promise<TopCompanyRow[]>;
  /** Events stored for the tenant. */
  eventCount(tenantId: string): Promise<number>;
  /** Which SQL the store speaks, for the modules' own queries. */
  readonly engine: StoreEngine;
  /**
   * A module's own read-only query (its tables come from its projection,
   * store/projection.ts), on the store's query connection. Its text is the module's;
   * every value a client sent is a parameter.
   */
  select(sql: string, params: readonly string[], options?: SelectOptions): Promise<Row[]>;
  /**
   * Records which user keys are one person (the profiles module's merges; a key's latest
   * link wins). Distinct-user and top-user queries then count each person once. The one
   * write of this side: it changes what queries count, never what is stored.
   */
  linkPersons(links: readonly PersonLink[]): Promise<void>;
  /**
   * Records persons' current traits under each of their ids (the profiles module's
   * changes; a key's latest record wins): insights filter and break down by them
   * (`person.<trait>`). Like linkPersons, it changes what queries see, never what is stored.
   */
  recordTraits(rows: readonly PersonTraits[]): Promise<void>;
}

export interface SelectOptions {
  /** Stop the query after this long and throw `query_timeout` (on a connection of its own, so nothing else is stopped). */
  timeoutMs?: number;
}

/** A module's query in one engine's SQL: its text and its parameters (every value a client sent). */
export interface SqlQuery {
  sql: string;
  params: readonly string[];
}

/** What a module's own queries need of a store: its SQL dialect, and a way to run a query. */
export type StoreReader = Pick<EventQueries, 'engine' | 'select'>;

/**
 * EventStore port: the queryable projection of consumed events.
 *
 * `apply` stores log batches and records the highest applied offset in the same
 * transaction, and ignores batches at or below it — so a store writer that crashes and
 * replays from the log never stores an event twice. The full documents stay in the
 * log; `locate` says where, for export.
 */
/** A log batch as the store applies it: `holes` are events it sets aside in quarantine instead. */
export interface StoreBatch extends LogBatch {
  holes?: readonly Hole[];
}

export interface EventStore extends Omit<EventQueries, 'exportPage' | 'eventAt'> {
  appliedOffset(): Promise<number>;
  /**
   * Stores the batches, and records each hole in quarantine (with its reason), in one
   * transaction with the applied offset.
   */
  apply(batches: readonly StoreBatch[]): Promise<void>;
  /** Applies in a transaction that is always rolled back: the error a real apply would meet, or null. */
  trial(batch: StoreBatch): Promise<unknown>;
  /** Applies one quarantined event again (its document from the log); it leaves quarantine if it goes in. */
  reapply(seq: number, doc: string): Promise<ReapplyOutcome>;
  /** Events set aside because the store could not apply them, by seq. */
  quarantined(q: QuarantineQuery): Promise<QuarantinedEvent[]>;
  /** Events in quarantine, all tenants: a gauge. */
  quarantineCount(): Promise<number>;
  /** The events matching a filter, in stored order, as refs into the log. */
  locate(q: ExportQuery): Promise<LocatedPage>;
  close(): Promise<void>;
}
