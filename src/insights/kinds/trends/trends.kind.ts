import type { InsightKind } from '../insight-kind.ts';
import { runTrends } from './trends.query.ts';
import { resolveTrends, type ResolvedTrends } from './trends.resolve.ts';
import { TrendsDefinition } from './trends.schema.ts';

/** Per interval and series: events, unique persons or companies, or a statistic of a property; broken down, compared. */
export const trends: InsightKind = {
  name: 'trends',
  schema: TrendsDefinition,
  resolve: (def, ctx) => resolveTrends(def as TrendsDefinition, ctx),
  answer: (engine, resolved) => runTrends(engine, resolved as ResolvedTrends),
};
