import type { UsageEvent } from '../domain/event.ts';

/**
 * The namespace of everything usagehub emits to Live API endpoints. A stored usage
 * event is `usagehub.event.<source>.<name>`: `usagehub.event.push.opened_file`,
 * `usagehub.event.hits.PLAY`, `usagehub.event.sessions.APPSTART`,
 * `usagehub.event.aggregated.primary`, `usagehub.event.native.login`.
 */
export const eventType = (e: Pick<UsageEvent, 'source' | 'name'>): string =>
  `usagehub.event.${e.source}.${e.name}`;

/**
 * An endpoint's filters: exact types, or namespace wildcards ending in `.*`
 * (`usagehub.event.push.*`); `*` alone, or no filter, takes everything.
 */
export function matchesFilters(type: string, filters: readonly string[]): boolean {
  if (filters.length === 0) return true;
  return filters.some(
    (f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))),
  );
}

export const FILTER_PATTERN = '^(\\*|[A-Za-z0-9_.-]+(\\.\\*)?)$';
