import path from 'node:path';
import { PROJECTIONS } from '../src/dialects/dialects.ts';
import { DuckDbEventStore } from '../src/store/duckdb/event-store.duckdb.ts';
import { eventStoreConformance } from './conformance/event-store.conformance.ts';
import { tempDir } from './helpers/server.ts';

eventStoreConformance('DuckDbEventStore', {
  place: () => path.join(tempDir(), 'store.duckdb'),
  open: (file) => DuckDbEventStore.open(file, { memoryLimit: '256MB', threads: 1, projections: PROJECTIONS }),
});
