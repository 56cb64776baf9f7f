import type { Dialect } from '../dialect.ts';
import { hitsProjection } from './hits.projection.ts';
import { hitCommands } from './hits.commands.ts';

/** Statistic hits: one hit per request, checked against its type's schema and the registries. */
export const hits: Dialect = {
  name: 'hits',
  projection: hitsProjection,
  commands: hitCommands,
  open: async (place, changes) => (await import('./hits.module.ts')).openHits(place, changes),
};
