import path from 'node:path';

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
