import path from 'node:path';
import { PgCatalog } from '../src/catalog/postgres/catalog.postgres.ts';
import { SqliteCatalog } from '../src/catalog/sqlite/catalog.sqlite.ts';
import { parsePgUrl } from '../src/storage/postgres.ts';
import { catalogConformance } from './conformance/catalog.conformance.ts';
import { tempDir } from './helpers/server.ts';
import { pgPlace, pgSkip } from './helpers/services.ts';

catalogConformance('SqliteCatalog', {
  place: () => path.join(tempDir(), 'catalog.db'),
  open: async (file) => new SqliteCatalog(file),
});

catalogConformance('PgCatalog', {
  skip: pgSkip,
  place: () => pgPlace(),
  open: (url) => PgCatalog.open(parsePgUrl(url), { migrate: true }),
});
