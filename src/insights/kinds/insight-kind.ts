import type { TSchema } from 'typebox';
import type { ParseContext } from '../definition/parse-common.ts';
import type { InsightEngine } from '../sql/engine.ts';

/**
 * A kind of insight: its definition's schema, and how it answers one. `run` resolves the
 * definition first, collecting problems in `ctx.problems`; it asks the store only when
 * there are none (`ctx.checked()` says so, or throws them as one 400).
 */
export interface InsightKind {
  name: string;
  schema: TSchema;
  run(definition: unknown, ctx: RunContext, engine: InsightEngine): Promise<unknown>;
}

export interface RunContext extends ParseContext {
  /** Throws the problems found so far, if any: called before the store is asked. */
  checked(): void;
}
