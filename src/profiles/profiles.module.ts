import type { CatalogPlace } from '../catalog/catalog-place.ts';
import type { OpenModule, WorkDeps } from '../dialects/dialect.ts';
import { sibling, ThreadClient } from '../threads/rpc.ts';
import { groupRoutes } from './groups/groups.routes.ts';
import { PgProfileStore } from './postgres/profile-store.postgres.ts';
import type { ProfileStore } from './profile-store.port.ts';
import { drainOutbox, ProfilesWorker, type OutboxTargets } from './profiles.worker.ts';
import { SqliteProfileStore } from './sqlite/profile-store.sqlite.ts';
import type { ProfilesThreadData } from './thread/profiles-thread.ts';
import { userRoutes } from './users.routes.ts';

/** How often the main thread reports what the profiles thread recorded. */
const DRAIN_MS = 250;

export async function openProfileStore(place: CatalogPlace): Promise<ProfileStore> {
  return place.engine === 'sqlite'
    ? new SqliteProfileStore(place.file)
    : PgProfileStore.open(place.where, { migrate: place.migrate });
}

/** User profiles and groups: the store opened, the routes to serve, the worker that keeps them. */
export async function openProfiles(place: CatalogPlace): Promise<OpenModule> {
  const store = await openProfileStore(place);
  return {
    serve: async (app, d) => {
      await app.register(userRoutes, { auth: d.auth, profiles: store, queries: d.queries });
      await app.register(groupRoutes, { auth: d.auth, profiles: store });
    },
    work: (d) => {
      const outbox: OutboxTargets = {
        emit: (change) => d.emit(change.tenantId, change.type, { user: change.profile }, change.id),
        linkPersons: (links) => d.queries.linkPersons(links),
        recordTraits: (rows) => d.queries.recordTraits(rows),
      };
      const onError = (err: Error) => d.onError(err, 'profiles worker (retrying)');
      return d.logFile && place.engine === 'sqlite'
        ? inThread(d.logFile, place.file, store, outbox, onError)
        : inProcess(d, store, outbox, onError);
    },
    close: () => store.close(),
  };
}

/** Scale profile: a member of the log's `profiles` group in this process; it reports its own outbox. */
function inProcess(
  d: WorkDeps,
  store: ProfileStore,
  outbox: OutboxTargets,
  onError: (err: Error) => void,
): { stop(): Promise<void> } {
  const worker = new ProfilesWorker(d.log, store, outbox, onError);
  worker.start();
  return worker;
}

/**
 * Embedded profile: the profiles are kept on a thread of their own (a third of a core
 * at full ingest, which the ingest event loop does not have to spare); this thread only
 * reports the outbox, every DRAIN_MS.
 */
function inThread(
  logFile: string,
  catalogFile: string,
  store: ProfileStore,
  outbox: OutboxTargets,
  onError: (err: Error) => void,
): { stop(): Promise<void> } {
  const thread = new ThreadClient(
    sibling(import.meta.url, './thread/profiles-thread'),
    { logFile, catalogFile } satisfies ProfilesThreadData,
    // The thread died: profiles stop following the events until a restart; ingest goes on.
    (err) => onError(new Error(`the profiles thread stopped: ${err.message}`)),
  );
  let draining: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    draining = draining.then(() => drainOutbox(store, outbox)).catch(onError);
  }, DRAIN_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await thread.stop();
      await draining;
      await drainOutbox(store, outbox).catch(onError);
    },
  };
}
