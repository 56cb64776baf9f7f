import type { CatalogPlace } from '../catalog/catalog-place.ts';
import type { OpenModule } from '../dialects/dialect.ts';
import { PgProfileStore } from './postgres/profile-store.postgres.ts';
import type { ProfileStore } from './profile-store.port.ts';
import { ProfilesWorker } from './profiles.worker.ts';
import { SqliteProfileStore } from './sqlite/profile-store.sqlite.ts';
import { userRoutes } from './users.routes.ts';

export async function openProfileStore(place: CatalogPlace): Promise<ProfileStore> {
  return place.engine === 'sqlite'
    ? new SqliteProfileStore(place.file)
    : PgProfileStore.open(place.where, { migrate: place.migrate });
}

/** User profiles: the store opened, the routes to serve, the worker that keeps them. */
export async function openProfiles(place: CatalogPlace): Promise<OpenModule> {
  const store = await openProfileStore(place);
  return {
    serve: async (app, d) => {
      await app.register(userRoutes, { auth: d.auth, profiles: store, queries: d.queries });
    },
    work: (d) => {
      const worker = new ProfilesWorker(
        d.log,
        store,
        (change) => d.emit(change.tenantId, change.type, { user: change.profile }, change.id),
        (links) => d.queries.linkPersons(links),
        (err) => d.onError(err, 'profiles worker (retrying)'),
      );
      worker.start();
      return worker;
    },
    close: () => store.close(),
  };
}
