import type { LogBatch } from '../log/event-log.ts';
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
} from '../query/query.ts';

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
export interface EventStore extends Omit<EventQueries, 'exportPage'> {
  appliedOffset(): Promise<number>;
  apply(batches: readonly LogBatch[]): Promise<void>;
  /** The events matching a filter, in stored order, as refs into the log. */
  locate(q: ExportQuery): Promise<LocatedPage>;
  close(): Promise<void>;
}
