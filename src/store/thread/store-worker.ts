/**
 * Entry point of the store thread. It owns the DuckDB store: runs the store writer in
 * a loop and answers queries, leaving the ingest event loop to HTTP and validation.
 */
import { nameThread, serveThread, threadData } from '../../threads/rpc.ts';
import { SqliteEventLog } from '../../log/sqlite/sqlite-event-log.ts';
import { DuckDbEventStore } from '../duckdb/duckdb-event-store.ts';
import { EVENTS_PER_APPLY, StoreWriter } from '../store-writer.ts';
import { exportPage } from '../../query/export.ts';
import type {
  CountsQuery,
  ExportQuery,
  QueryFilter,
  SessionListQuery,
  SessionsQuery,
  TopCompaniesQuery,
  TopUsersQuery,
  UsageQuery,
  UsersQuery,
} from '../../query/query.ts';
import type { StoreThreadData } from './store-thread.ts';

/** Wait between store writer steps without a backlog: events are queryable within about this long. */
const STORE_IDLE_MS = 50;

await serveThread(async () => {
  const data = threadData<StoreThreadData>();
  nameThread('usagehub-store');
  // A connection of its own to the log file: reads need not queue behind appends.
  const log = new SqliteEventLog(data.logFile, { cacheMiB: 8 });
  const store = await DuckDbEventStore.open(data.storeFile, {
    memoryLimit: data.memoryLimit,
    threads: data.threads,
  });
  const writer = new StoreWriter(log, store);
  await writer.drain();
  return {
    handlers: {
      counts: (q: CountsQuery) => store.counts(q),
      distinctUsers: (q: UsersQuery) => store.distinctUsers(q),
      topUsers: (q: TopUsersQuery) => store.topUsers(q),
      sessionStats: (q: SessionsQuery) => store.sessionStats(q),
      sessions: (q: SessionListQuery) => store.sessions(q),
      sessionGauges: ({ idleMs, now }: { idleMs: number; now: number }) => store.sessionGauges(idleMs, now),
      usage: (q: UsageQuery) => store.usage(q),
      topCompanies: (q: TopCompaniesQuery) => store.topCompanies(q),
      mediaUsage: (q: QueryFilter) => store.mediaUsage(q),
      searchStats: (q: QueryFilter) => store.searchStats(q),
      connectionStats: (q: QueryFilter) => store.connectionStats(q),
      hitsByOrigin: (q: QueryFilter) => store.hitsByOrigin(q),
      exportPage: (q: ExportQuery) => exportPage(store, log, q),
      eventCount: (tenantId: string) => store.eventCount(tenantId),
      appliedOffset: () => writer.appliedOffset(),
    },
    // Without a backlog, the writer waits between steps (STORE_IDLE_MS) so that events
    // arriving one by one are stored in fewer, larger transactions.
    step: async () => (await writer.step()) >= EVENTS_PER_APPLY / 2,
    close: async () => {
      await writer.report();
      await store.close();
      await log.close();
    },
  };
}, STORE_IDLE_MS);
