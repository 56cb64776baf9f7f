import type { UsageEvent } from '../domain/event.ts';
import type { ProfileUpdate } from './profile.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObject(v) ? v : {});
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
/** The ids given, each once, in order (a Set per event showed among the profile thread's allocations). */
const list = (...xs: (string | undefined)[]): string[] => {
  const out: string[] = [];
  for (const x of xs) if (x && !out.includes(x)) out.push(x);
  return out;
};

/**
 * What an event says about the person who did it (only SDK events need their properties): the ids it names (all one person's),
 * and for the SDK dialects the traits and groups it sets — Segment `identify` traits,
 * `group`, `alias`; PostHog `$set`, `$set_once`, `$identify`'s anonymous id,
 * `$create_alias`, `$groups`. Null when it names nobody, or names a group rather than a
 * person (`$groupidentify`).
 */
export function profileUpdateOf(
  e: Pick<UsageEvent, 'tenantId' | 'source' | 'name' | 'occurredAt' | 'actor' | 'context'> &
    Partial<Pick<UsageEvent, 'properties'>>,
  /** Names the event in change ids: its place in the log, the same on a replay. */
  key: string,
): ProfileUpdate | null {
  const p = e.properties ?? {};
  const update: ProfileUpdate = {
    tenantId: e.tenantId,
    at: e.occurredAt,
    key,
    userIds: list(e.actor.userId),
    anonymousIds: list(e.actor.deviceId),
    emails: list(e.actor.email),
    aliases: [],
    set: {},
    setOnce: {},
    unset: [],
    groups: {},
    company: e.context.company ?? null,
  };
  if (e.source === 'segment') {
    if (e.name === 'identify') update.set = p;
    if (e.name === 'alias') update.aliases = list(str(p.previousId));
    if (e.name === 'group' && str(p.groupId)) update.groups = { group: str(p.groupId)! };
  } else if (e.source === 'posthog') {
    if (e.name === '$groupidentify') return null;
    update.set = obj(p.$set);
    update.setOnce = obj(p.$set_once);
    if (Array.isArray(p.$unset)) update.unset = list(...p.$unset.map(str));
    if (e.name === '$identify') update.anonymousIds = list(...update.anonymousIds, str(p.$anon_distinct_id));
    if (e.name === '$create_alias') update.aliases = list(str(p.alias));
    for (const [type, key] of Object.entries(obj(p.$groups))) if (str(key)) update.groups[type] = str(key)!;
    const email = str(update.set.email) ?? str(update.setOnce.email);
    if (email) update.emails = list(...update.emails, email);
  }
  const named =
    update.userIds.length + update.anonymousIds.length + update.emails.length + update.aliases.length;
  return named > 0 ? update : null;
}
