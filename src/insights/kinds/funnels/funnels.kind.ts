import type { InsightKind } from '../insight-kind.ts';
import { runFunnels } from './funnels.query.ts';
import { resolveFunnels, type ResolvedFunnels } from './funnels.resolve.ts';
import { FunnelsDefinition } from './funnels.schema.ts';

/** Of those who did the first step, how many did each next one within the window, and how long it took. */
export const funnels: InsightKind = {
  name: 'funnels',
  schema: FunnelsDefinition,
  resolve: (def, ctx) => resolveFunnels(def as FunnelsDefinition, ctx),
  answer: (engine, resolved) => runFunnels(engine, resolved as ResolvedFunnels),
};
