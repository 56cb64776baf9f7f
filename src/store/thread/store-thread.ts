import { ThreadClient } from '../../threads/rpc.ts';
import type { EventQueries } from '../event-store.ts';
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
  CountsQuery,
  MediaUsageRow,
  OriginRow,
  QueryFilter,
  SearchStatsRow,
  ExportPage,
  ExportQuery,
  TopUserRow,
  TopUsersQuery,
  UsersQuery,
  UsersRow,
} from '../../query/query.ts';

export interface StoreThreadData {
  logFile: string;
  storeFile: string;
  memoryLimit: string;
  threads: number;
}

/**
 * The main thread's handle on the store thread: it starts once the store has caught
 * up with the log, forwards queries, and on stop lets the current apply commit first.
 */
export class StoreThread implements EventQueries {
  private constructor(private readonly thread: ThreadClient) {}

  static async open(data: StoreThreadData, onFatal: (err: Error) => void): Promise<StoreThread> {
    const thread = new ThreadClient(new URL('./store-worker.ts', import.meta.url), data, onFatal);
    await thread.whenReady();
    return new StoreThread(thread);
  }

  counts = (q: CountsQuery) => this.thread.call<CountRow[]>('counts', q);
  distinctUsers = (q: UsersQuery) => this.thread.call<UsersRow[]>('distinctUsers', q);
  topUsers = (q: TopUsersQuery) => this.thread.call<TopUserRow[]>('topUsers', q);
  sessionStats = (q: SessionsQuery) => this.thread.call<SessionStatsRow[]>('sessionStats', q);
  sessions = (q: SessionListQuery) => this.thread.call<SessionRow[]>('sessions', q);
  sessionGauges = (idleMs: number, now: number) =>
    this.thread.call<{ open: number; timedOut: number; conflicts: number }>('sessionGauges', { idleMs, now });
  usage = (q: UsageQuery) => this.thread.call<UsageRow[]>('usage', q);
  topCompanies = (q: TopCompaniesQuery) => this.thread.call<TopCompanyRow[]>('topCompanies', q);
  mediaUsage = (q: QueryFilter) => this.thread.call<MediaUsageRow[]>('mediaUsage', q);
  searchStats = (q: QueryFilter) => this.thread.call<SearchStatsRow[]>('searchStats', q);
  connectionStats = (q: QueryFilter) => this.thread.call<ConnectionStatsRow[]>('connectionStats', q);
  hitsByOrigin = (q: QueryFilter) => this.thread.call<OriginRow[]>('hitsByOrigin', q);
  exportPage = (q: ExportQuery) => this.thread.call<ExportPage>('exportPage', q);
  eventCount = (tenantId: string) => this.thread.call<number>('eventCount', tenantId);
  appliedOffset = () => this.thread.call<number>('appliedOffset', null);
  stop = () => this.thread.stop();
}
