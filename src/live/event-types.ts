import type { UsageEvent } from '../domain/event.ts';

/**
 * The namespace of everything usagehub emits to Live API endpoints. A stored usage
 * event is `usagehub.event.<source>.<name>`: `usagehub.event.push.opened_file`,
 * `usagehub.event.hits.PLAY`, `usagehub.event.sessions.APPSTART`,
 * `usagehub.event.aggregated.primary`, `usagehub.event.native.login`.
 */
export const eventType = (e: Pick<UsageEvent, 'source' | 'name'>): string =>
  `usagehub.event.${e.source}.${e.name}`;

/** Types a dialect emits an event as besides its own (dialect.ts `liveTypes`). */
export type ExtraTypes = (e: Pick<UsageEvent, 'source' | 'name' | 'session'>) => string[];

/**
 * Every type a stored event is emitted as: its own, then those its dialect adds (for the
 * START and END of a v3 session, `usagehub.session.Started` and `usagehub.session.Ended`).
 */
export function eventTypes(e: Pick<UsageEvent, 'source' | 'name' | 'session'>, extra: ExtraTypes): string[] {
  return [eventType(e), ...extra(e)];
}

/**
 * What usagehub emits besides stored events: changes an admin makes, and import jobs.
 * `data` never holds a secret (keys and clients are named by id and prefix).
 */
export const ADMIN_EVENT_TYPES = [
  'usagehub.app.Created',
  'usagehub.app.Changed',
  'usagehub.key.Created',
  'usagehub.key.Revoked',
  'usagehub.oauth_client.Created',
  'usagehub.oauth_client.Revoked',
  'usagehub.import.ip_ranges.Imported',
  'usagehub.import.ip_ranges.Failed',
] as const;
export type AdminEventType = (typeof ADMIN_EVENT_TYPES)[number];

/** What the profiles module emits when a person is first seen, or what it knows of them changes. */
export const PROFILE_EVENT_TYPES = ['usagehub.user.Created', 'usagehub.user.Changed'] as const;
export type ProfileEventType = (typeof PROFILE_EVENT_TYPES)[number];

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
