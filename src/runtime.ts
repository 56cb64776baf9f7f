/**
 * The composition root: the one place that chooses adapters for the ports and wires
 * them together. Everything else receives its dependencies.
 */
import { IngestAdmission } from './limits/ingest-admission.ts';
import fs from 'node:fs';
import { isScaleProfile, type Config } from './config.ts';
import { engineOf } from './port-settings.ts';
import { dataFiles } from './ops/data-files.ts';
import { AdminService } from './admin/admin.service.ts';
import { Authenticator } from './auth/authenticator.ts';
import { TokenService } from './auth/oauth/tokens.ts';
import { EnrichmentDirectory } from './enrichment/enrichment-directory.ts';
import { openIpRangeTable } from './enrichment/ip-range-table.ts';
import { DIALECTS, MODULES, MODULE_MIGRATIONS, PROJECTIONS } from './dialects/dialects.ts';
import type { OpenModule, Registries } from './dialects/dialect.ts';
import type { ExtraTypes } from './live/event-types.ts';
import { CatalogChanges } from './catalog/changes.ts';
import type { CatalogPlace } from './catalog/catalog-place.ts';
import { AddressGuard } from './live/address-guard.ts';
import { LiveHttp } from './live/live-http.ts';
import { LiveService } from './live/live.service.ts';
import { SqliteLiveStore } from './live/sqlite/live-store.sqlite.ts';
import { PgLiveStore } from './live/postgres/live-store.postgres.ts';
import type { LiveStore } from './live/live-store.port.ts';
import { LiveWorker } from './live/live.worker.ts';
import type { CompactionReport } from './log/sqlite/compaction-status.ts';
import { AppDirectory } from './catalog/app-directory.ts';
import { SqliteCatalog } from './catalog/sqlite/catalog.sqlite.ts';
import { GroupCommitter } from './ingest/group-commit.ts';
import { IngestPipeline } from './ingest/pipeline.ts';
import { bucketStore, ingestLimits, requestGuard } from './limits/limits.ts';
import { LogThread } from './log/thread/log-thread.ts';
import { Metrics } from './ops/metrics.ts';
import { openStoreThread } from './store/thread/store-thread.ts';
import { GroupStoreWriter } from './store/group-store-writer.ts';
import { STORE_CONSUMER } from './store/store-writer.ts';
import { PgEventStore } from './store/postgres/event-store.postgres.ts';
import { JetStreamEventLog } from './log/jetstream/event-log.jetstream.ts';
import type { EventLog } from './log/event-log.port.ts';
import type { EventQueries } from './store/event-store.port.ts';
import { PgCatalog } from './catalog/postgres/catalog.postgres.ts';
import type { Catalog } from './catalog/catalog.port.ts';
import { parsePgUrl } from './storage/postgres.ts';
import { eventAt, exportPage } from './store/export.ts';
import { quarantineAdmin, type QuarantineAdmin } from './store/quarantine-admin.ts';
import type { StoreStatus } from './store/store-status.ts';
import type { ExportQuery } from './store/queries.ts';
import { LogTail } from './stream/log-tail.ts';
import type { AppDeps } from './app.ts';

export { dataFiles };

/** Where the catalog (and every registry kept beside it) lives. */
export function catalogPlace(config: Config): CatalogPlace {
  return engineOf(config.catalog) === 'postgres'
    ? { engine: 'postgres', where: parsePgUrl(config.catalog), migrate: config.migrate }
    : { engine: 'sqlite', file: dataFiles(config.dataDir).catalog };
}

/** The catalog alone, for tools that manage tenants, apps and keys: its adapter by its setting's engine. */
export async function openCatalog(config: Config): Promise<Catalog> {
  const place = catalogPlace(config);
  switch (place.engine) {
    case 'sqlite':
      fs.mkdirSync(config.dataDir, { recursive: true });
      return new SqliteCatalog(place.file);
    case 'postgres':
      return PgCatalog.open(place.where, { migrate: place.migrate });
  }
}

/** Every module's registries, opened beside the catalog: what the admin routes manage. */
export async function openRegistries(config: Config): Promise<Registries> {
  const place = catalogPlace(config);
  const changes = new CatalogChanges();
  const ipRanges = await openIpRangeTable(place);
  const modules: OpenModule[] = [];
  try {
    for (const m of MODULES) modules.push(await m.open(place, changes));
  } catch (err) {
    await Promise.all([ipRanges.close(), ...modules.map((m) => m.close())]);
    throw err;
  }
  return {
    changes,
    ipRanges,
    modules,
    close: async () => {
      await Promise.all([ipRanges.close(), ...modules.map((m) => m.close())]);
    },
  };
}

/** The Live store its setting (USAGEHUB_LIVE_STORE) names: live.db in the data directory, or PostgreSQL. */
export async function openLiveStore(
  config: Config,
  options: { migrate: boolean; leaseMs: number },
): Promise<LiveStore> {
  return engineOf(config.liveStore) === 'postgres'
    ? PgLiveStore.open(parsePgUrl(config.liveStore), options)
    : new SqliteLiveStore(dataFiles(config.dataDir).live);
}

/** The Live event types every dialect adds to its events' own. */
const extraLiveTypes: ExtraTypes = (() => {
  const bySource = new Map(DIALECTS.flatMap((d) => (d.liveTypes ? [[d.name, d.liveTypes] as const] : [])));
  return (e) => bySource.get(e.source)?.(e) ?? [];
})();

/** The ports of one profile, opened: where events go, where they are queried. */
interface Profile {
  catalog: Catalog;
  /** Ingest appends here. */
  log: EventLog;
  /** The log's file, embedded: modules' own consumers may read it on threads of their own. */
  logFile?: string;
  queries: EventQueries;
  quarantine: QuarantineAdmin;
  /** How the store writer of this process is doing (always ok where none runs). */
  storeStatus(): Promise<StoreStatus>;
  /** Log batches not yet in the store. */
  storeLag(): Promise<number>;
  /** The log's compaction into segments (embedded profile only). */
  logCompaction?(): Promise<CompactionReport>;
  /** Stops this process's consumers and closes the ports, the log last. */
  close(progress: (phase: string) => void): Promise<void>;
}

/** Embedded: SQLite log on its thread, DuckDB store on its own (with its writer), SQLite catalog. */
async function openEmbeddedProfile(config: Config, onFatal: (err: Error) => void): Promise<Profile> {
  const files = dataFiles(config.dataDir);
  const catalog = await openCatalog(config);
  const log = await LogThread.open(files.log, onFatal);
  // The store thread opens after the log, whose schema it reads; it is ready once it
  // has applied whatever the log held at start (after a crash, the unapplied tail).
  const store = await openStoreThread(
    {
      logFile: files.log,
      storeFile: files.store,
      memoryLimit: config.storeMemoryLimit,
      threads: config.storeThreads,
      projections: PROJECTIONS,
    },
    onFatal,
  );
  return {
    catalog,
    log,
    logFile: files.log,
    queries: store,
    quarantine: store.quarantine,
    storeStatus: () => store.status(),
    logCompaction: () => log.compaction(),
    storeLag: async () => {
      const [head, applied] = await Promise.all([log.head(), store.appliedOffset()]);
      return head - applied;
    },
    close: async (progress) => {
      await store.stop();
      progress('store thread stopped');
      await log.close();
      progress('log thread stopped');
      await catalog.close();
    },
  };
}

/**
 * Scale: JetStream log, PostgreSQL store and catalog. Workers (role worker or all) run
 * store writers as members of the log's shared consumer group.
 */
async function openScaleProfile(config: Config, onError: (err: Error) => void): Promise<Profile> {
  const pgWhere = parsePgUrl(config.eventStore);
  const catalog = await openCatalog(config);
  const log = await JetStreamEventLog.open({
    servers: config.log.split(',').map((u) => u.trim()),
    stream: config.logStream,
    replicas: config.logReplicas,
    ackWaitMs: config.logAckWaitSeconds * 1000,
    pg: pgWhere,
    migrate: config.migrate,
  });
  const store = await PgEventStore.open(pgWhere, {
    connections: config.storeWriters + 4,
    migrate: config.migrate,
    projections: PROJECTIONS,
    modules: MODULE_MIGRATIONS,
  });
  const writer = config.role === 'ingest' ? null : new GroupStoreWriter(log, store, onError);
  await writer?.start(config.storeWriters);
  return {
    catalog,
    log,
    // Every query method is the store's; export also reads documents from the log.
    queries: Object.assign(Object.create(store) as PgEventStore, {
      exportPage: (q: ExportQuery) => exportPage(store, log, q),
      eventAt: (tenantId: string, seq: number) => eventAt(log, tenantId, seq),
    }),
    quarantine: quarantineAdmin(store, log),
    storeStatus: async () => writer?.status.current ?? { state: 'ok', since: null, error: null },
    storeLag: () => log.pending(STORE_CONSUMER),
    close: async (progress) => {
      await writer?.stop();
      progress('store writers stopped');
      await store.close();
      await log.close();
      progress('log connection closed');
      await catalog.close();
    },
  };
}

/**
 * The Live API: endpoints and the delivery queue (live.db, or PostgreSQL in the scale
 * profile), and the worker that turns log batches into deliveries and sends them. The
 * worker runs where the log is consumed (role worker or all); an ingest process still
 * queues what admins change, for the workers to send.
 */
async function openLive(
  config: Config,
  log: EventLog,
  metrics: Metrics,
  onError: (err: Error) => void,
): Promise<{ service: LiveService; worker: LiveWorker; close(): Promise<void> }> {
  const store = await openLiveStore(config, {
    migrate: config.migrate,
    // Long enough to attempt what one refill hands a worker; a dead worker's leases end.
    leaseMs: Math.max(5_000, 10 * config.liveTimeoutMs),
  });
  const http = new LiveHttp(AddressGuard.fromSetting(config.liveAllowAddresses), config.liveTimeoutMs);
  const service = new LiveService(store, http, config.liveFailingAfterSeconds * 1000);
  const worker = new LiveWorker(log, store, http, config.liveConcurrency, onError, metrics, extraLiveTypes);
  metrics.measureLiveBacklog(
    async () => [...(await store.backlog()).values()].reduce((a, b) => a + b, 0),
    () => service.failingCount(),
  );
  if (config.role !== 'ingest') worker.start();
  return {
    service,
    worker,
    close: async () => {
      await worker.stop();
      await http.close();
      await store.close();
    },
  };
}

export interface ServerRuntime {
  deps: Omit<AppDeps, 'logger'>;
  /** Marks the server as shutting down (readyz answers 503). */
  beginShutdown(): void;
  /** Commits what is queued, stops the store thread, closes every file. */
  close(progress?: (phase: string) => void): Promise<void>;
}

/**
 * `onFatal`: the process cannot go on (a thread died). `onError`: something failed and is
 * being retried (a store write while PostgreSQL restarts) — worth a log line.
 */
export async function openServerRuntime(
  config: Config,
  onFatal: (err: Error) => void,
  onError: (err: Error, what: string) => void = (err, what) =>
    console.error(`usagehub: ${what}: ${err.message}`),
): Promise<ServerRuntime> {
  const profile = isScaleProfile(config)
    ? await openScaleProfile(config, (err) => onError(err, 'store writer (retrying)'))
    : await openEmbeddedProfile(config, onFatal);
  try {
    return await withProfile(config, profile, onError);
  } catch (err) {
    // A start that fails late (a registry, the Live store) closes what it had opened:
    // the log and store threads, the connections.
    await profile.close(() => {}).catch(() => {});
    throw err;
  }
}

/** The rest of the runtime, on an opened profile. */
async function withProfile(
  config: Config,
  profile: Profile,
  onError: (err: Error, what: string) => void,
): Promise<ServerRuntime> {
  const { catalog, log, queries } = profile;
  const metrics = new Metrics();
  const auth = new Authenticator(catalog, (err) => onError(err, 'recording when a key was used'));
  const tokens = await TokenService.open(catalog, config.tokenTtlSeconds);
  const apps = new AppDirectory(catalog);
  const registries = await openRegistries(config);
  const { changes } = registries;
  const enrichment = new EnrichmentDirectory(registries.ipRanges);
  for (const cache of [auth, tokens, apps, enrichment]) changes.subscribe(() => cache.invalidate());
  const admin = new AdminService(
    catalog,
    () => changes.notify(),
    // Declared below; called only once requests arrive.
    (tenantId, type, data) => emit(tenantId, type, data),
  );
  // Declared below; called only once requests arrive.
  const emit: AppDeps['emit'] = async (tenantId, type, data) => liveParts.worker.emit(tenantId, type, data);
  const committer = new GroupCommitter(log, metrics);
  // Live views follow the log, and hear of this process's own batches as it appends them.
  const tail = new LogTail(log, (err) => onError(err, 'live stream (retrying)'));
  const limits = ingestLimits(
    config,
    await bucketStore(config, (err) => {
      metrics.limitsFallback.inc();
      onError(err, 'shared rate limits (deciding in this process for 5 s)');
    }),
  );
  const admission = new IngestAdmission(limits, metrics);
  const pipeline = new IngestPipeline(committer, metrics, limits, tail);
  const guard = await requestGuard(config, metrics);
  const liveParts = await openLive(config, log, metrics, (err) =>
    onError(err, 'live worker (retrying)'),
  ).catch(async (err: unknown) => {
    await registries.close().catch(() => {});
    throw err;
  });
  let state: 'ready' | 'stopping' = 'ready';
  for (const module of registries.modules) module.measure?.({ config, metrics, queries });
  // The modules' own consumers of the log, where consumers run.
  const work =
    config.role === 'ingest'
      ? []
      : registries.modules.flatMap((m) =>
          m.work
            ? [
                m.work({
                  log,
                  logFile: profile.logFile,
                  queries,
                  emit: (t, type, data, key) => liveParts.worker.emit(t, type, data, key),
                  onError,
                }),
              ]
            : [],
        );
  metrics.measureStoreLag(() => profile.storeLag());
  if (profile.logCompaction) metrics.measureLogCompaction(profile.logCompaction);
  metrics.measureStore(profile.storeStatus, () => profile.quarantine.count());

  return {
    deps: {
      config,
      metrics,
      auth,
      tokens,
      catalog,
      apps,
      enrichment,
      registries,
      live: liveParts.service,
      admin,
      emit,
      pipeline,
      guard,
      admission,
      queries,
      tail,
      quarantine: profile.quarantine,
      storeStatus: profile.storeStatus,
      notReadyReason: () => (state === 'ready' ? null : state),
    },
    beginShutdown: () => {
      state = 'stopping';
    },
    close: async (progress = () => {}) => {
      state = 'stopping';
      await committer.drain();
      progress('log commits drained');
      await tail.close();
      await Promise.all(work.map((w) => w.stop()));
      progress('module workers stopped');
      await liveParts.close();
      progress('live deliveries stopped');
      await registries.close();
      await limits.close();
      await guard.close();
      await profile.close(progress);
    },
  };
}
