import { problem } from '../../../domain/errors.ts';
import { MAX_BUCKETS } from '../../definition/definition.schema.ts';
import {
  eventsLabel,
  parseCommon,
  parseEvents,
  parseField,
  parseFilters,
  type ParseContext,
} from '../../definition/parse-common.ts';
import type { Condition, EventMatch, FieldRef, ResolvedCommon } from '../../definition/resolved.ts';
import { bucketLabels, previousSpan, type Interval, type Span } from '../../definition/time-range.ts';
import { PROPERTY_MATHS, type TrendMath, type TrendsDefinition } from './trends.schema.ts';

export interface TrendSeries {
  events: EventMatch;
  conditions: readonly Condition[];
  math: TrendMath;
  /** The numeric property sum … p90 read. */
  property: string | null;
  label: string;
}

/** A trends definition checked and resolved (definition/resolved.ts). */
export interface ResolvedTrends extends ResolvedCommon {
  interval: Interval;
  labels: readonly string[];
  series: readonly TrendSeries[];
  breakdown: { field: FieldRef; limit: number } | null;
  previous: { span: Span; labels: readonly string[] } | null;
}

export async function resolveTrends(def: TrendsDefinition, ctx: ParseContext): Promise<ResolvedTrends> {
  const common = await parseCommon(def, ctx, 'last_7_days');
  const interval = def.interval ?? 'day';
  const series: TrendSeries[] = [];
  for (const [i, s] of def.series.entries()) {
    const math = s.math ?? 'events';
    if (PROPERTY_MATHS.has(math) && s.property === undefined)
      ctx.problems.push(
        problem(`series.${i}.property`, 'field_required', `math "${math}" needs a numeric property`),
      );
    if (!PROPERTY_MATHS.has(math) && s.property !== undefined)
      ctx.problems.push(problem(`series.${i}.property`, 'field_unknown', `math "${math}" reads no property`));
    series.push({
      events: parseEvents(s.event),
      conditions: await parseFilters(`series.${i}.filters`, s.filters, ctx),
      math,
      property: s.property ?? null,
      label: s.label ?? eventsLabel(s.event),
    });
  }
  const field = def.breakdown && parseField('breakdown.by', def.breakdown.by, ctx.problems);
  const labels = bucketLabels(common.span, interval, common.zone, MAX_BUCKETS);
  const prev = def.compare ? previousSpan(common.span, common.zone) : null;
  const prevLabels = prev && bucketLabels(prev, interval, common.zone, MAX_BUCKETS);
  if (labels === null || (prev && prevLabels === null))
    ctx.problems.push(
      problem(
        'range',
        'field_range',
        `the range holds more than ${MAX_BUCKETS} ${interval}s: shorten it or take a longer interval`,
      ),
    );
  return {
    ...common,
    interval,
    labels: labels ?? [],
    series,
    breakdown: field ? { field, limit: def.breakdown!.limit ?? 10 } : null,
    previous: prev ? { span: prev, labels: prevLabels ?? [] } : null,
  };
}
