import type { InsightKind } from '../insight-kind.ts';
import { runRetention } from './retention.query.ts';
import { resolveRetention, type ResolvedRetention } from './retention.resolve.ts';
import { RetentionDefinition } from './retention.schema.ts';

/** Of those who started in a period, how many came back in each period after. */
export const retention: InsightKind = {
  name: 'retention',
  schema: RetentionDefinition,
  resolve: (def, ctx) => resolveRetention(def as RetentionDefinition, ctx),
  answer: (engine, resolved) => runRetention(engine, resolved as ResolvedRetention),
};
