import type { InsightKind } from '../insight-kind.ts';
import { runTrends } from './trends.query.ts';
import { resolveTrends } from './trends.resolve.ts';
import { TrendsDefinition } from './trends.schema.ts';

/** Per interval and series: events, unique persons or companies, or a statistic of a property; broken down, compared. */
export const trends: InsightKind = {
  name: 'trends',
  schema: TrendsDefinition,
  run: async (def, ctx, engine) => runTrends(engine, await resolveTrends(def as TrendsDefinition, ctx), ctx),
};
