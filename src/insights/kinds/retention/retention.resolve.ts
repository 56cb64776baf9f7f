import { problem } from '../../../domain/errors.ts';
import { parseCommon, parseEvents, parseFilters, type ParseContext } from '../../definition/parse-common.ts';
import type { Condition, EventMatch, ResolvedCommon } from '../../definition/resolved.ts';
import { bucketLabel, bucketStart, periodAfter } from '../../definition/time-range.ts';
import { instantOf, wallTime } from '../../definition/zoned.ts';
import { MAX_PERIODS, type RetentionDefinition, type RetentionPeriod } from './retention.schema.ts';

export interface RetentionEvent {
  events: EventMatch;
  conditions: readonly Condition[];
}

/** A period of the table: its label and its instants. */
export interface Period {
  label: string;
  from: number;
  to: number;
}

/** A retention definition checked and resolved: the cohorts' periods and every period after them. */
export interface ResolvedRetention extends ResolvedCommon {
  start: RetentionEvent;
  return: RetentionEvent;
  period: RetentionPeriod;
  periods: number;
  cohort: 'first_time' | 'recurring';
  unit: 'person' | 'company';
  /** The cohorts' periods, then the periods followed after the last one. */
  table: readonly Period[];
  cohorts: number;
  now: number;
}

/** `count` periods from the one holding `from`. */
function periodsFrom(from: number, count: number, period: RetentionPeriod, zone: string): Period[] {
  const out: Period[] = [];
  let w = bucketStart(wallTime(from, zone), period);
  for (let i = 0; i < count; i++) {
    const next = periodAfter(w, period);
    out.push({ label: bucketLabel(w, period), from: instantOf(w, zone), to: instantOf(next, zone) });
    w = next;
  }
  return out;
}

export async function resolveRetention(
  def: RetentionDefinition,
  ctx: ParseContext,
): Promise<ResolvedRetention> {
  const period = def.period ?? 'week';
  const periods = def.periods ?? 8;
  const common = await parseCommon({ ...def, range: def.range ?? 'today' }, ctx, 'today');
  // Without a range: the `periods` periods ending with the current one.
  let first = common.span.from;
  if (def.range === undefined) {
    const current = periodsFrom(ctx.now, 1, period, common.zone)[0]!;
    let w = bucketStart(wallTime(current.from, common.zone), period);
    for (let i = 1; i < periods; i++)
      w = bucketStart(wallTime(instantOf(w, common.zone) - 1, common.zone), period);
    first = instantOf(w, common.zone);
  }
  const last = def.range === undefined ? ctx.now : common.span.to - 1;
  let cohorts = 0;
  for (const p of periodsFrom(first, MAX_PERIODS + 1, period, common.zone)) if (p.from <= last) cohorts++;
  if (cohorts > MAX_PERIODS)
    ctx.problems.push(problem('range', 'field_range', `the range holds more than ${MAX_PERIODS} ${period}s`));
  cohorts = Math.min(cohorts, MAX_PERIODS);
  const table = periodsFrom(first, cohorts + periods - 1, period, common.zone);
  const span = def.range === undefined ? { from: table[0]!.from, to: table[cohorts - 1]!.to } : common.span;
  return {
    ...common,
    span,
    start: {
      events: parseEvents(def.start.event),
      conditions: await parseFilters('start.filters', def.start.filters, ctx),
    },
    return: {
      events: parseEvents(def.return.event),
      conditions: await parseFilters('return.filters', def.return.filters, ctx),
    },
    period,
    periods,
    cohort: def.cohort ?? 'first_time',
    unit: def.unit ?? 'person',
    table,
    cohorts,
    now: ctx.now,
  };
}
