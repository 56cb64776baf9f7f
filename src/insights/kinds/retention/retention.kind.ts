import type { InsightKind } from '../insight-kind.ts';
import { runRetention } from './retention.query.ts';
import { resolveRetention } from './retention.resolve.ts';
import { RetentionDefinition } from './retention.schema.ts';

/** Of those who started in a period, how many came back in each period after. */
export const retention: InsightKind = {
  name: 'retention',
  schema: RetentionDefinition,
  run: async (def, ctx, engine) =>
    runRetention(engine, await resolveRetention(def as RetentionDefinition, ctx), ctx),
};
