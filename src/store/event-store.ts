import type { LogBatch } from '../log/event-log.ts';
import type { Hole, QuarantineQuery, QuarantinedEvent, ReapplyOutcome } from './quarantine.ts';
import type {
  SessionListQuery,
  SessionRow,
  SessionStatsRow,
  SessionsQuery,
  TopCompaniesQuery,
  TopCompanyRow,
  UsageQuery,
  UsageRow,
  ConnectionStatsRow,
  CountRow,
  MediaUsageRow,
  OriginRow,
  QueryFilter,
  SearchStatsRow,
  CountsQuery,
  ExportPage,
  ExportQuery,
  LocatedPage,
  TopUserRow,
  TopUsersQuery,
  UsersQuery,
  UsersRow,
} from './queries.ts';

/** The read side of the store: what the query API, dashboards and export ask. */
export interface EventQueries {
  counts(q: CountsQuery): Promise<CountRow[]>;
  distinctUsers(q: UsersQuery): Promise<UsersRow[]>;
  topUsers(q: TopUsersQuery): Promise<TopUserRow[]>;
  exportPage(q: ExportQuery): Promise<ExportPage>;
  /** The sum of counts split by dimensions (aggregated usage: company, domain, metric, product, environment). */
  usage(q: UsageQuery): Promise<UsageRow[]>;
  topCompanies(q: TopCompaniesQuery): Promise<TopCompanyRow[]>;
  /** Sessions v3, joined from START/UPDATE/END events. */
  sessionStats(q: SessionsQuery): Promise<SessionStatsRow[]>;
  sessions(q: SessionListQuery): Promise<SessionRow[]>;
  /** Across all tenants, for the metrics. */
  sessionGauges(idleMs: number, now: number): Promise<{ open: number; timedOut: number; conflicts: number }>;
  /** Statistic hits (app and time filters apply; names and categories do not). */
  mediaUsage(q: QueryFilter): Promise<MediaUsageRow[]>;
  searchStats(q: QueryFilter): Promise<SearchStatsRow[]>;
  connectionStats(q: QueryFilter): Promise<ConnectionStatsRow[]>;
  hitsByOrigin(q: QueryFilter): Promise<OriginRow[]>;
  /** Events stored for the tenant. */
  eventCount(tenantId: string): Promise<number>;
}

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

export interface EventStore extends Omit<EventQueries, 'exportPage'> {
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
