import { Type, type Static } from 'typebox';
import type { AppDirectory } from '../catalog/app-directory.ts';
import { UsageHubError, problem, type Problem } from '../domain/errors.ts';
import type { QueryFilter } from '../store/queries.ts';
import { INSTANT_FORMS, parseInstant } from '../domain/instant.ts';
import { MAX_INSTANT_MS } from '../domain/canonical.ts';

/** The longest comma-separated list a filter takes: some hundred names. */
export const MAX_LIST_CHARS = 4096;
/** An instant as text: Unix ms or ISO 8601 with nanoseconds and an offset fit well within it. */
export const MAX_TIME_CHARS = 40;

/** Filters every query takes, as query-string parameters. */
export const FilterParams = Type.Object({
  app: Type.Optional(
    Type.String({ maxLength: MAX_LIST_CHARS, description: 'App ids or names, comma-separated.' }),
  ),
  name: Type.Optional(
    Type.String({ maxLength: MAX_LIST_CHARS, description: 'Event names, comma-separated.' }),
  ),
  category: Type.Optional(
    Type.String({ maxLength: MAX_LIST_CHARS, description: 'Event categories, comma-separated.' }),
  ),
  late: Type.Optional(
    Type.Boolean({
      description:
        'true: only events that arrived more than 12 hours after they happened; false: only the others.',
    }),
  ),
  from: Type.Optional(
    Type.String({
      maxLength: MAX_TIME_CHARS,
      description: 'Inclusive start: Unix milliseconds or ISO 8601.',
    }),
  ),
  to: Type.Optional(
    Type.String({ maxLength: MAX_TIME_CHARS, description: 'Exclusive end: Unix milliseconds or ISO 8601.' }),
  ),
});
export type FilterParams = Static<typeof FilterParams>;

export const IntervalParam = Type.Union([Type.Literal('hour'), Type.Literal('day')], { default: 'day' });

export const list = (s: string | undefined): string[] | undefined =>
  s === undefined
    ? undefined
    : s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);

/** A query bound: Unix milliseconds, an ISO 8601 date-time, or a date (midnight UTC), within years 1970–9999. */
export function parseTime(field: string, value: string | undefined, problems: Problem[]): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseInstant(value, true);
  if (parsed.outcome === 'ok') return parsed.ms;
  problems.push(
    parsed.outcome === 'bad_format'
      ? problem(field, 'field_format', `${field} must be ${INSTANT_FORMS}`)
      : problem(field, 'field_range', `${field} must be between 0 and ${MAX_INSTANT_MS} (the year 9999)`),
  );
  return undefined;
}

/** Query-string filters → a store filter, resolving app names to ids. */
export async function parseFilter(
  tenantId: string,
  params: FilterParams,
  apps: AppDirectory,
): Promise<QueryFilter> {
  const problems: Problem[] = [];
  const from = parseTime('from', params.from, problems);
  const to = parseTime('to', params.to, problems);
  let appIds: string[] | undefined;
  const appNames = list(params.app);
  if (appNames) {
    const find = await apps.lookup(tenantId);
    appIds = [];
    for (const a of appNames) {
      const found = find(a);
      if (found) appIds.push(found.id);
      else problems.push(problem('app', 'unknown_app', `app ${JSON.stringify(a)} does not exist`));
    }
  }
  if (problems.length > 0) throw new UsageHubError('invalid_request', undefined, problems);
  return {
    tenantId,
    appIds,
    names: list(params.name),
    categories: list(params.category),
    late: params.late,
    from,
    to,
  };
}
