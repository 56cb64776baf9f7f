/**
 * How updates change people: pure, so that every store applies the same rules. A store
 * loads the people the updates name (with all their ids), runs `applyUpdates`, and saves
 * what it returns, in one transaction.
 *
 * The rules, chosen so that applying the same updates again changes nothing (the log is
 * replayed after a crash): an event naming ids of two people merges them into the one
 * seen first; a trait takes the value of the latest event that set it (ties: the one
 * applied last), a `$set_once` value keeps the earliest and never replaces a `$set`
 * one; an `$unset` removes a trait set before it (and is remembered, so that an earlier
 * set applied later stays removed); first seen is the earliest event's time.
 */
import { hash } from 'node:crypto';
import {
  idsOf,
  profileView,
  type PersonRecord,
  type Outboxed,
  type ProfileChange,
  type ProfileChangeType,
  type ProfileUpdate,
  type Stamped,
} from './profile.ts';

/** The people the updates name, as loaded: by id, and each of their ids → person. */
export interface Loaded {
  persons: Map<string, PersonRecord>;
  owners: Map<string, string>;
}

export interface Applied {
  /** People to write (new or changed). */
  saved: PersonRecord[];
  /** People merged into others: to delete. */
  removed: string[];
  /** For the outbox: Live changes, and the ids of each saved person who has several. */
  changes: Outboxed[];
}

/** Every id the updates name: what a store loads people by. */
export const namedIds = (updates: readonly ProfileUpdate[]): string[] => [...new Set(updates.flatMap(idsOf))];

export const personId = (tenantId: string, firstId: string): string =>
  `prs_${hash('sha256', `${tenantId}\0${firstId}`, 'base64url').slice(0, 16)}`;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * How many ids of each kind, and traits, a person holds at most: beyond them new ones are
 * not added, so that a client aliasing ids without end cannot grow one record (loaded
 * and rewritten whole at each update) without bound.
 */
export const MAX_IDS = 200;
export const MAX_TRAITS = 500;

/** `next` over `cur` by the rules above; null when nothing changes. */
function stamp(cur: Stamped | undefined, value: unknown, at: number, once: boolean): Stamped | null {
  if (cur?.gone) return cur.at <= at ? (once ? { value, at, once: true } : { value, at }) : null;
  if (once) {
    if (cur && (!cur.once || cur.at <= at)) return null;
    return { value, at, once: true };
  }
  if (cur && !cur.once && cur.at > at) return null;
  if (cur && !cur.once && same(cur.value, value)) return null;
  return { value, at };
}

/** A trait removed at `at`, unless set since; null when nothing changes. */
function unstamp(cur: Stamped | undefined, at: number): Stamped | null {
  if (cur && (cur.gone || !cur.once) && cur.at > at) return null;
  if (cur?.gone && cur.at === at) return null;
  return { value: null, at, gone: true };
}

/** Sets the stamped values of `values` into `into`; true when one changed (groups/group-merge.ts too). */
export function stampAll(
  into: Record<string, Stamped>,
  values: Record<string, unknown>,
  at: number,
  once: boolean,
): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || (!(k in into) && Object.keys(into).length >= MAX_TRAITS)) continue;
    const next = stamp(into[k], v, at, once);
    const cur = into[k];
    if (next && !(cur && !cur.gone && same(cur.value, next.value) && cur.once === next.once)) changed = true;
    if (next) into[k] = next;
  }
  return changed;
}

/** Marks the traits `keys` removed at `at`; true when one changed. */
function unstampAll(into: Record<string, Stamped>, keys: readonly string[], at: number): boolean {
  let changed = false;
  for (const k of keys) {
    if (!(k in into) && Object.keys(into).length >= MAX_TRAITS) continue;
    const next = unstamp(into[k], at);
    if (next && !into[k]?.gone) changed = true;
    if (next) into[k] = next;
  }
  return changed;
}

function addIds(into: string[], ids: readonly string[]): boolean {
  let added = false;
  for (const id of ids)
    if (!into.includes(id) && into.length < MAX_IDS) {
      into.push(id);
      added = true;
    }
  return added;
}

/** `b` folded into `a` (a is kept). */
function fold(a: PersonRecord, b: PersonRecord): void {
  addIds(a.userIds, b.userIds);
  addIds(a.anonymousIds, b.anonymousIds);
  addIds(a.emails, b.emails);
  addIds(a.aliases, b.aliases);
  for (const [k, s] of Object.entries(b.traits))
    if (s.gone) unstampAll(a.traits, [k], s.at);
    else stampAll(a.traits, { [k]: s.value }, s.at, !!s.once);
  for (const [k, s] of Object.entries(b.groups)) stampAll(a.groups, { [k]: s.value }, s.at, false);
  if (b.company) a.company = stamp(a.company ?? undefined, b.company.value, b.company.at, false) ?? a.company;
  a.firstSeenAt = Math.min(a.firstSeenAt, b.firstSeenAt);
  a.updatedAt = Math.max(a.updatedAt, b.updatedAt);
}

const earliest = (a: PersonRecord, b: PersonRecord) =>
  a.firstSeenAt < b.firstSeenAt || (a.firstSeenAt === b.firstSeenAt && a.id < b.id) ? a : b;

export function applyUpdates(loaded: Loaded, updates: readonly ProfileUpdate[]): Applied {
  const { persons, owners } = loaded;
  const dirty = new Set<string>();
  const removed = new Set<string>();
  const changes = new Map<string, ProfileChange>();
  const note = (type: ProfileChangeType, p: PersonRecord, u: ProfileUpdate) => {
    const id = `chg_${hash('sha256', `${type}\0${p.id}\0${u.key}`, 'base64url').slice(0, 22)}`;
    changes.set(id, { kind: 'live', id, tenantId: p.tenantId, type, profile: profileView(p), at: u.at });
  };

  for (const u of updates) {
    const ids = idsOf(u);
    const owning = [...new Set(ids.map((i) => owners.get(i)).filter((x): x is string => !!x))]
      .map((id) => persons.get(id)!)
      .filter(Boolean);
    let p: PersonRecord;
    let created = false;
    let changed = false;
    if (owning.length === 0) {
      p = {
        id: personId(u.tenantId, ids[0]!),
        tenantId: u.tenantId,
        userIds: [],
        anonymousIds: [],
        emails: [],
        aliases: [],
        traits: {},
        groups: {},
        company: null,
        firstSeenAt: u.at,
        updatedAt: u.at,
      };
      persons.set(p.id, p);
      created = true;
    } else {
      p = owning.reduce(earliest);
      for (const other of owning) {
        if (other === p) continue;
        fold(p, other);
        for (const id of idsOf(other)) owners.set(id, p.id);
        persons.delete(other.id);
        dirty.delete(other.id);
        removed.add(other.id);
        changed = true;
      }
    }
    changed = addIds(p.userIds, u.userIds) || changed;
    changed = addIds(p.anonymousIds, u.anonymousIds) || changed;
    changed = addIds(p.emails, u.emails) || changed;
    changed = addIds(p.aliases, u.aliases) || changed;
    for (const id of ids) owners.set(id, p.id);
    changed = stampAll(p.traits, u.set, u.at, false) || changed;
    changed = stampAll(p.traits, u.setOnce, u.at, true) || changed;
    changed = unstampAll(p.traits, u.unset, u.at) || changed;
    changed = stampAll(p.groups, u.groups, u.at, false) || changed;
    if (u.company !== null) {
      const next = stamp(p.company ?? undefined, u.company, u.at, false);
      if (next) {
        changed = changed || !same(p.company?.value, next.value);
        p.company = next;
      }
    }
    const older = u.at < p.firstSeenAt;
    if (older) p.firstSeenAt = u.at;
    if (changed) p.updatedAt = Math.max(p.updatedAt, u.at);
    if (created || changed || older) dirty.add(p.id);
    if (created) note('usagehub.user.Created', p, u);
    else if (changed) note('usagehub.user.Changed', p, u);
  }
  const saved = [...dirty].map((id) => persons.get(id)!).filter(Boolean);
  const links = saved.flatMap((p): Outboxed[] => {
    const userKeys = idsOf(p).sort();
    if (userKeys.length < 2) return [];
    const id = `lnk_${hash('sha256', `${p.id}\0${userKeys.join('\0')}`, 'base64url').slice(0, 22)}`;
    return [{ kind: 'links', id, tenantId: p.tenantId, personId: p.id, userKeys }];
  });
  return {
    saved,
    removed: [...removed].filter((id) => !persons.has(id)),
    changes: [...changes.values(), ...links],
  };
}
