import { problem } from '../../../domain/errors.ts';
import {
  eventsLabel,
  parseCommon,
  parseEvents,
  parseField,
  parseFilters,
  type ParseContext,
} from '../../definition/parse-common.ts';
import type { Condition, EventMatch, FieldRef, ResolvedCommon } from '../../definition/resolved.ts';
import {
  MAX_WINDOW_MS,
  WINDOW_MS,
  type FunnelOrder,
  type FunnelUnit,
  type FunnelsDefinition,
} from './funnels.schema.ts';

export interface FunnelStepDef {
  events: EventMatch;
  conditions: readonly Condition[];
  label: string;
}

/** A funnels definition checked and resolved (definition/resolved.ts). */
export interface ResolvedFunnels extends ResolvedCommon {
  steps: readonly FunnelStepDef[];
  windowMs: number;
  order: FunnelOrder;
  unit: FunnelUnit;
  breakdown: { field: FieldRef; limit: number } | null;
}

export async function resolveFunnels(def: FunnelsDefinition, ctx: ParseContext): Promise<ResolvedFunnels> {
  const common = await parseCommon(def, ctx, 'last_30_days');
  const steps: FunnelStepDef[] = [];
  for (const [i, s] of def.steps.entries())
    steps.push({
      events: parseEvents(s.event),
      conditions: await parseFilters(`steps.${i}.filters`, s.filters, ctx),
      label: s.label ?? eventsLabel(s.event),
    });
  const windowMs = def.window ? def.window.value * WINDOW_MS[def.window.unit] : 14 * WINDOW_MS.day;
  if (windowMs > MAX_WINDOW_MS)
    ctx.problems.push(problem('window', 'field_range', 'window must be at most 366 days'));
  const field = def.breakdown && parseField('breakdown.by', def.breakdown.by, ctx.problems);
  return {
    ...common,
    steps,
    windowMs,
    order: def.order ?? 'ordered',
    unit: def.unit ?? 'person',
    breakdown: field ? { field, limit: def.breakdown!.limit ?? 10 } : null,
  };
}
