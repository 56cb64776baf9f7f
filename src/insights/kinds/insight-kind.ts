import type { TSchema } from 'typebox';
import type { ParseContext } from '../definition/parse-common.ts';
import type { InsightEngine } from '../sql/engine.ts';

/**
 * A kind of insight: its definition's schema; how a definition is checked and resolved
 * (problems collected in `ctx.problems`, the store not asked); how a resolved one is
 * answered.
 */
export interface InsightKind {
  name: string;
  schema: TSchema;
  resolve(definition: unknown, ctx: ParseContext): Promise<unknown>;
  answer(engine: InsightEngine, resolved: unknown): Promise<unknown>;
}
