import type { Dialect } from '../dialect.ts';
import { aggregatedCommands } from './aggregated.commands.ts';

/** Aggregated usage: one payload of counts per metric, resolved to a company. */
export const aggregated: Dialect = {
  name: 'aggregated',
  commands: aggregatedCommands,
  open: async (place, changes) => (await import('./aggregated.module.ts')).openAggregated(place, changes),
};
