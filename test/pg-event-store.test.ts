import { PgEventStore } from '../src/store/postgres/event-store.postgres.ts';
import { eventStoreConformance } from './conformance/event-store.conformance.ts';
import { parsePgUrl } from '../src/storage/postgres.ts';
import { pgPlace, pgSkip } from './helpers/services.ts';
import { MODULE_MIGRATIONS, PROJECTIONS } from '../src/dialects/dialects.ts';

eventStoreConformance('PgEventStore', {
  skip: pgSkip,
  place: () => pgPlace(),
  open: (url) =>
    PgEventStore.open(parsePgUrl(url), {
      connections: 2,
      migrate: true,
      projections: PROJECTIONS,
      modules: MODULE_MIGRATIONS,
    }),
});
