/**
 * Every kind of insight. Adding one: a folder here exporting its InsightKind, and a
 * line in this list (docs/insights.md describes each).
 */
import type { InsightKind } from './insight-kind.ts';
import { funnels } from './funnels/funnels.kind.ts';
import { retention } from './retention/retention.kind.ts';
import { trends } from './trends/trends.kind.ts';

export const KINDS: readonly InsightKind[] = [trends, funnels, retention];
