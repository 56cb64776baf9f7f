import type { LogBatch } from '../log/event-log.ts';
import type {
  CountRow,
  CountsQuery,
  ExportPage,
  ExportQuery,
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
  /** Events stored for the tenant. */
  eventCount(tenantId: string): Promise<number>;
}

/**
 * EventStore port: where consumed events live for querying.
 *
 * `apply` stores log batches and records the highest applied offset in the same
 * transaction, and ignores batches at or below it — so a store writer that crashes and
 * replays from the log never stores an event twice.
 */
export interface EventStore extends EventQueries {
  appliedOffset(): Promise<number>;
  apply(batches: readonly LogBatch[]): Promise<void>;
  close(): Promise<void>;
}
