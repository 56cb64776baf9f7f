/**
 * The composition root: the one place that chooses adapters for the ports and wires
 * them together. Everything else receives its dependencies.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';
import { AdminService } from './admin/admin.service.ts';
import { Authenticator } from './auth/authenticator.ts';
import { TokenService } from './auth/oauth/tokens.ts';
import { HitRegistry } from './dialects/hits/hit-registry.ts';
import { EnrichmentDirectory } from './enrichment/enrichment-directory.ts';
import { SessionTypeRegistry } from './dialects/sessions/session-types.ts';
import { AddressGuard } from './live/address-guard.ts';
import { LiveHttp } from './live/live-http.ts';
import { LiveService } from './live/live-service.ts';
import { LiveStore } from './live/live-store.ts';
import { LiveWorker } from './live/live-worker.ts';
import { AppDirectory } from './catalog/app-directory.ts';
import { SqliteCatalog } from './catalog/sqlite-catalog.ts';
import { GroupCommitter } from './ingest/group-commit.ts';
import { IngestPipeline } from './ingest/pipeline.ts';
import { LogThread } from './log/thread/log-thread.ts';
import { Metrics } from './ops/metrics.ts';
import { StoreThread } from './store/thread/store-thread.ts';
import type { AppDeps } from './app.ts';

/** Where the embedded profile keeps its files, inside the data directory. */
export function dataFiles(dataDir: string) {
  return {
    catalog: path.join(dataDir, 'catalog.db'),
    log: path.join(dataDir, 'log.db'),
    store: path.join(dataDir, 'store.duckdb'),
    live: path.join(dataDir, 'live.db'),
    lock: path.join(dataDir, 'usagehub.lock'),
  };
}

/** The catalog alone, for tools that manage tenants, apps and keys. */
export function openCatalog(config: Config): SqliteCatalog {
  fs.mkdirSync(config.dataDir, { recursive: true });
  return new SqliteCatalog(dataFiles(config.dataDir).catalog);
}

export interface ServerRuntime {
  deps: Omit<AppDeps, 'logger'>;
  /** Marks the server as shutting down (readyz answers 503). */
  beginShutdown(): void;
  /** Commits what is queued, stops the store thread, closes every file. */
  close(progress?: (phase: string) => void): Promise<void>;
}

export async function openServerRuntime(
  config: Config,
  onFatal: (err: Error) => void,
): Promise<ServerRuntime> {
  const files = dataFiles(config.dataDir);
  const catalog = openCatalog(config);
  const log = await LogThread.open(files.log, onFatal);
  // The store thread opens after the log, whose schema it reads; it is ready once it
  // has applied whatever the log held at start (after a crash, the unapplied tail).
  const store = await StoreThread.open(
    {
      logFile: files.log,
      storeFile: files.store,
      memoryLimit: config.storeMemoryLimit,
      threads: config.storeThreads,
    },
    onFatal,
  );
  const metrics = new Metrics();
  const auth = new Authenticator(catalog);
  const tokens = await TokenService.open(catalog, config.tokenTtlSeconds);
  const apps = new AppDirectory(catalog);
  const hitRegistry = new HitRegistry(catalog);
  const enrichment = new EnrichmentDirectory(catalog);
  const sessionTypes = new SessionTypeRegistry(catalog);
  const admin = new AdminService(
    catalog,
    () => {
      auth.invalidate();
      tokens.invalidate();
      apps.invalidate();
      hitRegistry.invalidate();
      enrichment.invalidate();
      sessionTypes.invalidate();
    },
    // Declared below; called only once requests arrive.
    (tenantId, type, data) => liveWorker.emit(tenantId, type, data),
  );
  const committer = new GroupCommitter(log, metrics);
  const pipeline = new IngestPipeline(committer, metrics);
  const liveStore = new LiveStore(files.live);
  const guard = AddressGuard.fromSetting(config.liveAllowAddresses);
  const liveHttp = new LiveHttp(guard, config.liveTimeoutMs);
  const live = new LiveService(liveStore, liveHttp, config.liveFailingAfterSeconds * 1000);
  const liveWorker = new LiveWorker(log, liveStore, liveHttp, config.liveConcurrency, onFatal, metrics);
  metrics.measureLiveBacklog(
    () => [...liveStore.backlog().values()].reduce((a, b) => a + b, 0),
    () => live.failingCount(),
  );
  liveWorker.start();
  let state: 'ready' | 'stopping' = 'ready';
  metrics.measureSessions(() => store.sessionGauges(config.sessionIdleSeconds * 1000, Date.now()));
  metrics.measureStoreLag(async () => {
    const [head, applied] = await Promise.all([log.head(), store.appliedOffset()]);
    return head - applied;
  });

  return {
    deps: {
      config,
      metrics,
      auth,
      tokens,
      catalog,
      apps,
      hitRegistry,
      enrichment,
      sessionTypes,
      live,
      admin,
      pipeline,
      queries: store,
      notReadyReason: () => (state === 'ready' ? null : state),
    },
    beginShutdown: () => {
      state = 'stopping';
    },
    close: async (progress = () => {}) => {
      state = 'stopping';
      await committer.drain();
      progress('log commits drained');
      await liveWorker.stop();
      await liveHttp.close();
      liveStore.close();
      progress('live deliveries stopped');
      await store.stop();
      progress('store thread stopped');
      await log.close();
      progress('log thread stopped');
      await catalog.close();
    },
  };
}
