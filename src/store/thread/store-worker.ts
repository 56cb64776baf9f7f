/**
 * Entry point of the store thread. It owns the DuckDB store: runs the store writer in
 * a loop and answers queries, leaving the ingest event loop to HTTP and validation.
 *
 * A store that fails (a full disk, an I/O error, a bug) does not stop the thread: the
 * writer's error is recorded, the store is closed and opened again after a backoff, and
 * meanwhile queries answer `store_unavailable`. The log keeps acknowledging ingest, and
 * the writer catches up once the store works again.
 */
import { nameThread, serveThread, threadData } from '../../threads/rpc.ts';
import { SqliteEventLog } from '../../log/sqlite/event-log.sqlite.ts';
import { DuckDbEventStore } from '../duckdb/event-store.duckdb.ts';
import { EVENTS_PER_APPLY, StoreWriter } from '../store-writer.ts';
import { eventAt, exportPage } from '../export.ts';
import { UsageHubError } from '../../domain/errors.ts';
import { StoreStatusTracker } from '../store-status.ts';
import { QUARANTINE_METHODS, QUERY_METHODS, type StoreThreadData } from './store-thread.ts';
import { quarantineAdmin } from '../quarantine-admin.ts';
import type { Handlers } from '../../threads/rpc.ts';

/** Wait between store writer steps while nothing arrives: a lone event is queryable within about this long. */
const STORE_IDLE_MS = 50;
/**
 * Wait after a step that applied some events but no backlog: while events keep arriving,
 * they gather into fewer, larger transactions. A transaction costs ~16 ms whatever its
 * size (the commit, the rollups): DuckDB took 14 µs of CPU per Segment event in
 * 3,000-event applies (the size a 50 ms wait gave at 50,000 events/s) and 10 µs in
 * 12,000-event ones. Under load, events are queryable within about this long.
 */
const STORE_GATHER_MS = 250;

interface Open {
  store: DuckDbEventStore;
  writer: StoreWriter;
}

await serveThread(async () => {
  const data = threadData<StoreThreadData>();
  nameThread('usagehub-store');
  // A connection of its own to the log file: reads need not queue behind appends.
  const log = new SqliteEventLog(data.logFile, { cacheMiB: 8 });
  const status = new StoreStatusTracker();
  let open: Open | null = null;
  let retryAt = 0;
  let lastApplied = 0;
  let queriesInFlight = 0;

  const tryOpen = async (): Promise<void> => {
    const store = await DuckDbEventStore.open(data.storeFile, {
      memoryLimit: data.memoryLimit,
      threads: data.threads,
      projections: data.projections,
    });
    open = { store, writer: new StoreWriter(log, store) };
  };
  const fail = async (err: unknown): Promise<void> => {
    retryAt = Date.now() + status.failed(err);
    console.error(`usagehub: store writer: ${status.current.error} (retrying)`);
    const failed = open;
    open = null;
    if (!failed) return;
    // Queries under way finish (or fail) before the store they use is closed.
    for (let i = 0; i < 100 && queriesInFlight > 0; i++) await new Promise((r) => setTimeout(r, 50));
    await failed.store.close().catch(() => {});
  };
  /** One writer step; with no store, an attempt to open it again once the backoff has passed. */
  const step = async (): Promise<number> => {
    try {
      if (!open) {
        if (Date.now() < retryAt) return 0;
        await tryOpen();
      }
      const n = await open!.writer.step();
      lastApplied = open!.writer.appliedOffset();
      status.ok();
      return n;
    } catch (err) {
      await fail(err);
      return 0;
    }
  };

  // Catch up with the log before answering: queries at start see every acknowledged
  // event. A store that cannot be opened or written is retried from the loop instead.
  for (let n = await step(); n > 0 && open; n = await step());

  const query = async (run: (store: DuckDbEventStore) => Promise<unknown>): Promise<unknown> => {
    if (!open) throw new UsageHubError('store_unavailable');
    queriesInFlight++;
    try {
      return await run(open.store);
    } catch (err) {
      // A query that fails while the writer does is the store's fault, not the query's.
      if (status.current.state === 'failing') throw new UsageHubError('store_unavailable');
      throw err;
    } finally {
      queriesInFlight--;
    }
  };
  const handlers: Handlers = Object.fromEntries(
    QUERY_METHODS.map((m) => [
      m,
      (args: unknown[]) =>
        m === 'eventAt'
          ? eventAt(log, args[0] as string, args[1] as number)
          : query((store) =>
              m === 'exportPage'
                ? exportPage(store, log, args[0] as never)
                : (store[m] as (...a: unknown[]) => Promise<unknown>)(...args),
            ),
    ]),
  );
  for (const m of QUARANTINE_METHODS) {
    handlers[`quarantine.${m}`] = (args: unknown[]) =>
      query((store) => (quarantineAdmin(store, log)[m] as (...a: unknown[]) => Promise<unknown>)(...args));
  }
  handlers.appliedOffset = () => lastApplied;
  handlers.status = () => status.current;
  return {
    handlers,
    step: async () => {
      const applied = await step();
      return applied >= EVENTS_PER_APPLY / 2 ? 0 : applied > 0 ? STORE_GATHER_MS : STORE_IDLE_MS;
    },
    close: async () => {
      if (open) {
        await open.writer.report().catch(() => {});
        await open.store.close();
      }
      await log.close();
    },
  };
});
