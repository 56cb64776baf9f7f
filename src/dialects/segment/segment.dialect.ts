import type { Dialect } from '../dialect.ts';

/** Segment's HTTP Tracking API, for the Segment SDKs (write keys from the sources module). */
export const segment: Dialect = {
  name: 'segment',
  open: async (place, changes) => (await import('./segment.module.ts')).openSegment(place, changes),
};
