import path from 'node:path';
import { PgLiveStore } from '../src/live/postgres/live-store.postgres.ts';
import { SqliteLiveStore } from '../src/live/sqlite/live-store.sqlite.ts';
import { parsePgUrl } from '../src/storage/postgres.ts';
import { liveStoreConformance } from './conformance/live-store.conformance.ts';
import { tempDir } from './helpers/server.ts';
import { pgPlace, pgSkip } from './helpers/services.ts';

liveStoreConformance('SqliteLiveStore', {
  place: () => path.join(tempDir(), 'live.db'),
  open: async (file) => new SqliteLiveStore(file),
});

liveStoreConformance('PgLiveStore', {
  skip: pgSkip,
  place: () => pgPlace(),
  open: (url) => PgLiveStore.open(parsePgUrl(url), { migrate: true, leaseMs: 60_000 }),
  leaseMs: 60_000,
});
