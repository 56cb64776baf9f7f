import type { App } from '../../catalog/catalog.port.ts';
import { parseInstant } from '../../domain/instant.ts';
import { dedupKey } from '../../domain/dedup.ts';
import { problem, type Problem } from '../../domain/errors.ts';
import { EARLIEST_MS_TIME, type UsageEvent } from '../../domain/event.ts';
import type { HitRegistrySnapshot } from './hit-snapshots.ts';
import type { HitType } from './hit-types.schema.ts';

/** A hit that passed its type's schema. */
export interface Hit {
  date: string;
  type: HitType;
  origin?: number;
  sessionId?: string;
  ip?: string;
  referrer?: string;
  users?: ({ userId: string } | { firstName: string; lastName: string; email: string })[];
  medias?: string[];
  folders?: string[];
  connection?: { mode: string; success: boolean };
  play?: { duration: number; ranges?: { start: number; end: number }[]; socialNetwork?: string };
  [k: string]: unknown;
}

const CATEGORY: Record<HitType, string> = {
  CONNECTION: 'Login',
  DOWNLOAD: 'Download',
  PLAY: 'Read',
  SEARCH: 'Search',
  UPLOAD: 'Upload',
  VIEW: 'Read',
};

const MAX_FUTURE_MS = 24 * 3600 * 1000;
/** How far the ranges' total may be from `duration`: players round to whole seconds. */
export const DURATION_TOLERANCE_S = 1;

/** A date without an offset is UTC; NaN when it is not an ISO 8601 date-time in years 1970–9999. */
export function parseHitDate(date: string): number {
  const parsed = parseInstant(date);
  return parsed.outcome === 'ok' ? parsed.ms : NaN;
}

/** Seconds covered by the ranges, each second once: a replayed segment counts once. */
export function unionSeconds(ranges: readonly { start: number; end: number }[]): number {
  const sorted = [...ranges].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  let total = 0;
  let coveredTo = -Infinity;
  for (const { start, end } of sorted) {
    if (end <= coveredTo) continue;
    total += end - Math.max(start, coveredTo);
    coveredTo = end;
  }
  return total;
}

/**
 * Checks what a schema cannot — known users, a sessionId that is not a user, a
 * plausible date, play durations and ranges against the video's length — and maps
 * the hit to a canonical event. Every problem is collected.
 */
export function mapHit(
  hit: Hit,
  app: App,
  registry: HitRegistrySnapshot,
  origin: number,
  receivedAt: number,
): { outcome: 'ok'; event: UsageEvent } | { outcome: 'invalid'; problems: Problem[] } {
  const problems: Problem[] = [];
  const occurredAt = parseHitDate(hit.date);
  if (Number.isNaN(occurredAt))
    problems.push(problem('date', 'field_format', 'date is not a valid date-time'));
  else if (occurredAt < EARLIEST_MS_TIME)
    problems.push(problem('date', 'field_range', 'date is before 2000-01-01'));
  else if (occurredAt > receivedAt + MAX_FUTURE_MS)
    problems.push(problem('date', 'field_range', 'date is more than 24 hours in the future'));

  (hit.users ?? []).forEach((u, i) => {
    if ('userId' in u && !registry.users.has(u.userId)) {
      problems.push(
        problem(
          `users.${i}.userId`,
          'unknown_user',
          `user ${JSON.stringify(u.userId)} is not in GET /api/dam/users`,
        ),
      );
    }
  });
  if (hit.sessionId !== undefined) {
    if (registry.users.has(hit.sessionId) || registry.emails.has(hit.sessionId.toLowerCase())) {
      problems.push(
        problem('sessionId', 'session_is_user', 'sessionId equals a user identifier; send a random value'),
      );
    }
  }

  let watchedSeconds: number | undefined;
  if (hit.play) {
    const { duration, ranges } = hit.play;
    const lengths = (hit.medias ?? [])
      .map((id) => registry.medias.get(id))
      .filter((m) => m?.durationSeconds != null)
      .map((m) => ({ id: m!.id, length: m!.durationSeconds! }));
    for (const { id, length } of lengths) {
      if (duration > length) {
        problems.push(
          problem(
            'play.duration',
            'field_range',
            `duration ${duration} s exceeds the length of video ${id} (${length} s)`,
          ),
        );
      }
    }
    const shortest = lengths.length ? Math.min(...lengths.map((l) => l.length)) : Infinity;
    (ranges ?? []).forEach((r, i) => {
      if (!(r.start < r.end)) {
        problems.push(
          problem(`play.ranges.${i}`, 'field_range', `start (${r.start}) must be before end (${r.end})`),
        );
      } else if (r.end > shortest) {
        problems.push(
          problem(
            `play.ranges.${i}.end`,
            'field_range',
            `end (${r.end} s) is past the video's length (${shortest} s)`,
          ),
        );
      }
    });
    if (ranges && ranges.length > 0) {
      const total = ranges.reduce((s, r) => s + Math.max(0, r.end - r.start), 0);
      if (Math.abs(total - duration) > DURATION_TOLERANCE_S) {
        problems.push(
          problem(
            'play.duration',
            'field_range',
            `duration (${duration} s) must equal the total of the ranges (${total} s), within ${DURATION_TOLERANCE_S} s`,
          ),
        );
      }
      watchedSeconds = unionSeconds(ranges);
    } else {
      watchedSeconds = duration;
    }
  }
  if (problems.length > 0) return { outcome: 'invalid', problems };

  const first = hit.users?.[0];
  const actor =
    first === undefined
      ? {}
      : 'userId' in first
        ? { userId: first.userId, email: registry.users.get(first.userId)?.email ?? undefined }
        : { email: first.email.toLowerCase() };
  const { type, sessionId, ip } = hit;
  // Everything but what has a canonical place; origin as resolved (from the header too).
  const properties: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hit)) {
    if (!['date', 'type', 'origin', 'sessionId', 'ip'].includes(k)) properties[k] = v;
  }
  properties.origin = origin;
  if (watchedSeconds !== undefined) properties.watchedSeconds = watchedSeconds;
  return {
    outcome: 'ok',
    event: {
      tenantId: app.tenantId,
      appId: app.id,
      source: 'hits',
      name: type,
      category: CATEGORY[type],
      occurredAt,
      receivedAt,
      actor,
      session: { id: sessionId },
      count: 1,
      context: { ip },
      properties,
      clientId: null,
      // A hit has no id of its own: the same hit sent twice is the same content.
      dedupKey: dedupKey(app.tenantId, app.id, occurredAt, { content: JSON.stringify([origin, hit]) }),
      raw: hit,
    },
  };
}
