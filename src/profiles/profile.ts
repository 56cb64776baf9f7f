/**
 * A person as usagehub knows them, per tenant: every id they were seen under (merged when
 * an event says two ids are one person), their traits, groups and company. Kept by the
 * profiles worker from the events in the log (profiles.worker.ts).
 */

/** A value and the event time it was set at: later times win, `once` values keep the earliest. */
export interface Stamped {
  value: unknown;
  at: number;
  /** Set by `$set_once`: a later `$set_once` does not replace it, an earlier one does, `$set` always may. */
  once?: boolean;
  /** Removed by `$unset` at `at`: kept as a mark so that a set from before, applied later, stays removed. */
  gone?: boolean;
}

/** A person as stored. */
export interface PersonRecord {
  /** `prs_…`, derived from the tenant and the first id it was seen under: a replay makes the same. */
  id: string;
  tenantId: string;
  userIds: string[];
  anonymousIds: string[];
  emails: string[];
  /** Ids an alias call named (Segment previousId, PostHog alias). */
  aliases: string[];
  traits: Record<string, Stamped>;
  /** Group type → group id (Segment `group` as type "group", PostHog `$groups`). */
  groups: Record<string, Stamped>;
  company: Stamped | null;
  /** Event time of the earliest event that named one of its ids. */
  firstSeenAt: number;
  /** Event time of the latest change to what it holds. */
  updatedAt: number;
}

/** A person as the API shows them. */
export interface Profile {
  id: string;
  userIds: string[];
  anonymousIds: string[];
  emails: string[];
  aliases: string[];
  traits: Record<string, unknown>;
  groups: Record<string, unknown>;
  company: string | null;
  firstSeenAt: string;
  updatedAt: string;
}

const values = (m: Record<string, Stamped>) =>
  Object.fromEntries(Object.entries(m).flatMap(([k, s]) => (s.gone ? [] : [[k, s.value]])));

export function profileView(p: PersonRecord): Profile {
  return {
    id: p.id,
    userIds: [...p.userIds],
    anonymousIds: [...p.anonymousIds],
    emails: [...p.emails],
    aliases: [...p.aliases],
    traits: values(p.traits),
    groups: values(p.groups),
    company: typeof p.company?.value === 'string' ? p.company.value : null,
    firstSeenAt: new Date(p.firstSeenAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
  };
}

/** Every id a person goes by: what the store's user_key of their events is one of. */
export const idsOf = (p: Pick<PersonRecord, 'userIds' | 'anonymousIds' | 'emails' | 'aliases'>): string[] => [
  ...new Set([...p.userIds, ...p.anonymousIds, ...p.emails, ...p.aliases]),
];

/** What one event says about a person. */
export interface ProfileUpdate {
  tenantId: string;
  /** The event's time. */
  at: number;
  /** The event's dedup key: names the changes it causes, so a replay names them alike. */
  key: string;
  userIds: string[];
  anonymousIds: string[];
  emails: string[];
  aliases: string[];
  set: Record<string, unknown>;
  setOnce: Record<string, unknown>;
  /** Traits removed (PostHog `$unset`). */
  unset: string[];
  groups: Record<string, string>;
  company: string | null;
}

export type ProfileChangeType = 'usagehub.user.Created' | 'usagehub.user.Changed';

/** A change to report on the Live stream, recorded with the profile it changed (an outbox). */
export interface ProfileChange {
  kind: 'live';
  /** Unique per change: the same event replayed makes the same id. */
  id: string;
  tenantId: string;
  type: ProfileChangeType;
  profile: Profile;
  /** Event time of the change. */
  at: number;
}

/** The ids of a person with several, to tell the event store (its user queries count the person once). */
export interface PersonLinks {
  kind: 'links';
  /** Unique per person and set of ids. */
  id: string;
  tenantId: string;
  personId: string;
  userKeys: string[];
}

/** What the outbox holds: changes for the Live stream, links for the event store. */
export type Outboxed = ProfileChange | PersonLinks;
