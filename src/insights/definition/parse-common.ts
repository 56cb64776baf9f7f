/**
 * Checks and resolves the parts of a definition every kind shares. Problems are
 * collected, each with the path of the field at fault (`series.1.filters.0.value`), and
 * thrown together as one 400.
 */
import type { AppDirectory } from '../../catalog/app-directory.ts';
import { problem, type Problem } from '../../domain/errors.ts';
import { parseInstant } from '../../domain/instant.ts';
import type { Filter, Scalar } from './definition.schema.ts';
import {
  FIELD_COLUMNS,
  type Condition,
  type EventMatch,
  type FieldRef,
  type ResolvedCommon,
} from './resolved.ts';
import { localDate, relativeSpan, type RelativeRange, type Span } from './time-range.ts';
import { timeZoneName } from './zoned.ts';

export const PROPERTY_PREFIX = 'properties.';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What a kind's parser needs beside the definition. */
export interface ParseContext {
  tenantId: string;
  apps: AppDirectory;
  now: number;
  problems: Problem[];
}

export const TRAIT_PREFIX = 'person.';

/** A field's text → what it names, or a problem. */
export function parseField(path: string, text: string, problems: Problem[]): FieldRef | undefined {
  if (text.startsWith(PROPERTY_PREFIX) && text.length > PROPERTY_PREFIX.length)
    return { kind: 'property', key: text.slice(PROPERTY_PREFIX.length) };
  if (text.startsWith(TRAIT_PREFIX) && text.length > TRAIT_PREFIX.length)
    return { kind: 'trait', key: text.slice(TRAIT_PREFIX.length) };
  if (Object.hasOwn(FIELD_COLUMNS, text))
    return { kind: 'column', column: FIELD_COLUMNS[text as keyof typeof FIELD_COLUMNS] };
  problems.push(
    problem(
      path,
      'field_format',
      `${path} must be properties.<key>, person.<trait>, company, app or dialect`,
    ),
  );
  return undefined;
}

const NUMERIC = new Set(['>', '>=', '<', '<=']);

/** A filter → a condition: its value checked against its operator and field. */
async function parseFilter(path: string, f: Filter, ctx: ParseContext): Promise<Condition | undefined> {
  const field = parseField(`${path}.field`, f.field, ctx.problems);
  const at = `${path}.value`;
  const bad = (reason: string) => {
    ctx.problems.push(problem(at, 'field_type', reason));
    return undefined;
  };
  if (f.op === 'is set' || f.op === 'is not set') {
    if (f.value !== undefined) return bad(`${at} is not taken by "${f.op}"`);
    return field && { field, op: f.op, values: [] };
  }
  if (f.value === undefined) {
    ctx.problems.push(problem(at, 'field_required', `${at} is required by "${f.op}"`));
    return undefined;
  }
  const many = Array.isArray(f.value);
  if (f.op === 'in' && !many) return bad(`${at} must be a list for "in"`);
  if (f.op !== 'in' && many) return bad(`${at} must be one value for "${f.op}"; a list takes "in"`);
  let values: Scalar[] = many ? (f.value as Scalar[]) : [f.value as Scalar];
  if (NUMERIC.has(f.op) && typeof values[0] !== 'number') return bad(`${at} must be a number for "${f.op}"`);
  if (f.op === 'contains' && typeof values[0] !== 'string') return bad(`${at} must be text for "contains"`);
  if (!field) return undefined;
  if (field.kind === 'column') {
    if (NUMERIC.has(f.op)) return bad(`${f.field} is text: "${f.op}" compares numbers`);
    if (values.some((v) => typeof v !== 'string')) return bad(`${at} must be text: ${f.field} is text`);
    if (field.column === 'app_id') {
      const find = await ctx.apps.lookup(ctx.tenantId);
      const ids: Scalar[] = [];
      for (const v of values) {
        const app = find(v as string);
        if (app) ids.push(app.id);
        else ctx.problems.push(problem(at, 'unknown_app', `app ${JSON.stringify(v)} does not exist`));
      }
      values = f.op === 'contains' ? values : ids;
    }
  }
  return { field, op: f.op, values };
}

export async function parseFilters(
  path: string,
  filters: readonly Filter[] | undefined,
  ctx: ParseContext,
): Promise<Condition[]> {
  const out: Condition[] = [];
  for (const [i, f] of (filters ?? []).entries()) {
    const c = await parseFilter(`${path}.${i}`, f, ctx);
    if (c) out.push(c);
  }
  return out;
}

/** A series' or step's label when the definition gives none: its event pattern. */
export const eventsLabel = (event: string | readonly string[]): string =>
  typeof event === 'string' ? event : event.join(', ');

/** `a`, `[a, b]`, `prefix*` or `*` → which events. */
export function parseEvents(event: string | readonly string[]): EventMatch {
  const names: string[] = [];
  const prefixes: string[] = [];
  for (const e of typeof event === 'string' ? [event] : event) {
    if (e === '*') return { all: true, names: [], prefixes: [] };
    if (e.endsWith('*')) prefixes.push(e.slice(0, -1));
    else names.push(e);
  }
  return { all: false, names, prefixes };
}

/** An instant of a range: a date is its local midnight in the zone. */
function parseBound(path: string, text: string, zone: string, problems: Problem[]): number | undefined {
  if (DATE.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) return localDate(text, zone);
  const parsed = parseInstant(text, true);
  if (parsed.outcome === 'ok') return parsed.ms;
  problems.push(
    problem(path, 'field_format', `${path} must be a date (YYYY-MM-DD), an ISO 8601 instant or Unix ms`),
  );
  return undefined;
}

/** The time zone, range and filters common to every kind. */
export async function parseCommon(
  def: {
    timezone?: string;
    range?: RelativeRange | { from: string; to: string };
    filters?: readonly Filter[];
  },
  ctx: ParseContext,
  defaultRange: RelativeRange,
): Promise<ResolvedCommon> {
  let zone = timeZoneName(def.timezone ?? 'UTC');
  if (zone === null) {
    ctx.problems.push(
      problem('timezone', 'field_format', 'timezone must be an IANA time zone, e.g. Europe/Amsterdam'),
    );
    zone = 'UTC';
  }
  const range = def.range ?? defaultRange;
  let span: Span = { from: 0, to: 0 };
  if (typeof range === 'string') span = relativeSpan(range, ctx.now, zone);
  else {
    const from = parseBound('range.from', range.from, zone, ctx.problems);
    const to = parseBound('range.to', range.to, zone, ctx.problems);
    if (from !== undefined && to !== undefined) {
      if (to <= from)
        ctx.problems.push(problem('range.to', 'field_range', 'range.to must be after range.from'));
      else span = { from, to };
    }
  }
  const conditions = await parseFilters('filters', def.filters, ctx);
  return { tenantId: ctx.tenantId, zone, span, conditions };
}
