import type { Dialect } from '../dialect.ts';

/** usagehub's own ingest API (`POST /v1/events`). */
export const native: Dialect = {
  name: 'native',
  open: async () => (await import('./native.module.ts')).openNative(),
};
