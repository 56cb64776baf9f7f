import type { CatalogPlace } from '../catalog/catalog-place.ts';
import type { OpenModule, WorkDeps } from '../dialects/dialect.ts';
import { sibling, ThreadClient } from '../threads/rpc.ts';
import { groupRoutes } from './groups/groups.routes.ts';
import { PgProfileStore } from './postgres/profile-store.postgres.ts';
import type { ProfileStore } from './profile-store.port.ts';
import { drainOutbox, mirrorTraits, ProfilesWorker, type OutboxTargets } from './profiles.worker.ts';
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
      // Persons' traits, for an event store from before it kept them; then the outbox.
      const mirrored = retried(
        () =>
          mirrorTraits(store, outbox, async () => {
            const [row] = await d.queries.select('SELECT EXISTS (SELECT 1 FROM person_traits) AS found', []);
            return row?.found === true;
          }),
        (err) => d.onError(err, "mirroring persons' traits into the event store"),
      );
      return d.logFile && place.engine === 'sqlite'
        ? inThread(d.logFile, place.file, store, outbox, onError, mirrored)
        : inProcess(d, store, outbox, onError, mirrored);
    },
    close: () => store.close(),
  };
}

/** Tries `work` until it succeeds, every 5 s, for at most 5 minutes (a store still opening); each failure is told. */
async function retried(work: () => Promise<unknown>, onError: (err: Error) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await work();
      return;
    } catch (err) {
      onError(err as Error);
      if (attempt >= 60) return;
      await new Promise((r) => setTimeout(r, 5000).unref());
    }
  }
}

/** Scale profile: a member of the log's `profiles` group in this process; it reports its own outbox. */
function inProcess(
  d: WorkDeps,
  store: ProfileStore,
  outbox: OutboxTargets,
  onError: (err: Error) => void,
  mirrored: Promise<unknown>,
): { stop(): Promise<void> } {
  const worker = new ProfilesWorker(d.log, store, outbox, onError);
  const started = mirrored.then(() => worker.start());
  return {
    stop: async () => {
      await started;
      await worker.stop();
    },
  };
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
  mirrored: Promise<unknown>,
): { stop(): Promise<void> } {
  const thread = new ThreadClient(
    sibling(import.meta.url, './thread/profiles-thread'),
    { logFile, catalogFile } satisfies ProfilesThreadData,
    // The thread died: profiles stop following the events until a restart; ingest goes on.
    (err) => onError(new Error(`the profiles thread stopped: ${err.message}`)),
  );
  let draining: Promise<unknown> = mirrored;
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
