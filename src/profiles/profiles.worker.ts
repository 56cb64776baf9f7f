import type { UsageEvent } from '../domain/event.ts';
import type { EventLog, LogBatch, LogConsumer } from '../log/event-log.port.ts';
import { PROPERTIES_KEY } from '../log/event-doc.ts';
import type { PersonLink, PersonTraits } from '../store/queries.ts';
import { idsOf, profileView, type PersonRecord, type ProfileChange, type ProfileUpdate } from './profile.ts';
import type { ProfileStore } from './profile-store.port.ts';
import { groupUpdateOf } from './groups/group-update.ts';
import type { GroupUpdate } from './groups/group.ts';
import { profileUpdateOf } from './profile-update.ts';
import { plainHead, type PlainHead } from './plain-head.ts';

/** The log's consumer group whose members keep the profiles. */
export const PROFILES_CONSUMER = 'profiles';
const READ_EVENTS = 5000;
const IDLE_MS = 200;
const RETRY_MS = 1000;
/**
 * How long what the worker learnt of a person is trusted where other members of the
 * group may change them meanwhile (the scale profile). The embedded profile's one
 * member trusts it for EMBEDDED_KNOWN_MS (profiles-thread.ts).
 */
const KNOWN_MS = 10_000;
export const EMBEDDED_KNOWN_MS = 10 * 60_000;
const MAX_KNOWN = 200_000;
/** After this many failed tries of the same batches, they are applied one event at a time, and what still fails is passed over. */
const TRIES_WHOLE = 3;

export type EmitChange = (change: ProfileChange) => Promise<void>;

/** What the worker learnt of a person, under each of their ids. */
interface Known {
  person: string;
  company: unknown;
  firstSeenAt: number;
  until: number;
}

/** Where the outbox goes: changes to the Live stream, links to the event store. */
export interface OutboxTargets {
  emit: EmitChange;
  /** Tells the event store which keys are one person. */
  linkPersons: (links: readonly PersonLink[]) => Promise<void>;
  /** Tells the event store each person's current traits, under each of their ids. */
  recordTraits: (rows: readonly PersonTraits[]) => Promise<void>;
}

/** Reports the recorded changes (Live) and links (event store), then forgets them; each is idempotent. */
export async function drainOutbox(store: ProfileStore, to: OutboxTargets): Promise<number> {
  let drained = 0;
  for (let pending = await store.pending(500); pending.length > 0; pending = await store.pending(500)) {
    const links: PersonLink[] = [];
    const traits: PersonTraits[] = [];
    for (const entry of pending) {
      if (entry.kind === 'live') {
        await to.emit(entry);
        for (const userKey of idsOf(entry.profile))
          traits.push({ tenantId: entry.tenantId, userKey, traits: entry.profile.traits });
      } else
        for (const userKey of entry.userKeys)
          links.push({ tenantId: entry.tenantId, userKey, personId: entry.personId });
    }
    await to.linkPersons(links);
    await to.recordTraits(traits);
    await store.settle(pending.map((c) => c.id));
    drained += pending.length;
  }
  return drained;
}

/** Persons read at a time when their traits are mirrored. */
const MIRROR_PAGE = 1000;

/**
 * Records every person's current traits in the event store, under each of their ids:
 * once, for an event store that holds none yet (one written before it kept them; a new
 * one gets them from the outbox as persons are made). Run before the outbox is drained,
 * so that a change still waiting there is recorded after the snapshot, and wins.
 */
export async function mirrorTraits(
  store: ProfileStore,
  to: Pick<OutboxTargets, 'recordTraits'>,
  hasTraits: () => Promise<boolean>,
): Promise<number> {
  if (await hasTraits()) return 0;
  let mirrored = 0;
  let after: { tenantId: string; id: string } | null = null;
  for (
    let page = await store.page(after, MIRROR_PAGE);
    page.length > 0;
    page = await store.page(after, MIRROR_PAGE)
  ) {
    const rows: PersonTraits[] = [];
    for (const p of page) {
      const traits = profileView(p).traits;
      for (const userKey of idsOf(p)) rows.push({ tenantId: p.tenantId, userKey, traits });
    }
    await to.recordTraits(rows);
    mirrored += page.length;
    const last = page[page.length - 1]!;
    after = { tenantId: last.tenantId, id: last.id };
  }
  return mirrored;
}

/**
 * Keeps the profiles: reads the log from its own offset, applies what each event says
 * about a person (profile-update.ts, merge.ts), reports the changes on the Live stream,
 * then acks. Changes are recorded in the store's outbox with the people, and reported
 * from there with ids of their own, so a crash at any point neither loses a change nor
 * reports one twice. An event that cannot be applied does not stop the worker: after a
 * few tries it is passed over, and said so.
 */
export class ProfilesWorker {
  private consumer: LogConsumer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private failures = 0;
  /**
   * Per tenant and id, the person it belongs to as last applied here. Most events only
   * name ids of a person already known, with nothing new: `changesNothing` tells them
   * apart without the store, which keeps the worker's cost per event small.
   */
  private readonly known = new Map<string, Known>();
  /** Plain heads (plain-head.ts) whose events change nothing, with the `known` entries that made it so. */
  private readonly plain = new Map<string, { keys: string[]; known: Known }>();

  constructor(
    private readonly log: EventLog,
    private readonly store: ProfileStore,
    /** Where this worker reports the outbox; null where another does (profiles-thread.ts). */
    private readonly outbox: OutboxTargets | null,
    private readonly onError: (err: Error) => void,
    /**
     * How often the offset is committed: every turn (0) where an unacked batch is handed
     * out again (JetStream), or at most this often where the member keeps its position
     * (the embedded log, whose commit is a synced write beside ingest's). A crash replays
     * what was not committed, which changes nothing.
     */
    private readonly ackEveryMs = 0,
    /** How long what it learnt of a person is trusted (KNOWN_MS says why it is short by default). */
    private readonly knownMs = KNOWN_MS,
  ) {}

  private unacked: LogBatch[] = [];
  private ackedAt = 0;

  private async ackDue(consumer: LogConsumer, force: boolean): Promise<void> {
    if (this.unacked.length === 0 || (!force && Date.now() - this.ackedAt < this.ackEveryMs)) return;
    await consumer.ack(this.unacked);
    this.unacked = [];
    this.ackedAt = Date.now();
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (this.consumer)
      await this.ackDue(this.consumer, true).catch((err: unknown) => this.onError(err as Error));
    await this.consumer?.close();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.turn()
        .then((busy) => this.schedule(busy ? 0 : IDLE_MS))
        .catch((err: unknown) => {
          this.onError(err as Error);
          this.schedule(RETRY_MS);
        });
    }, ms);
  }

  /** One read, apply, report, ack. True when it did something. */
  async turn(): Promise<boolean> {
    await this.report();
    const consumer = (this.consumer ??= await this.log.consumer(PROFILES_CONSUMER));
    const batches = await consumer.next(READ_EVENTS, 0);
    if (batches.length === 0) {
      await this.ackDue(consumer, false);
      return false;
    }
    const now = Date.now();
    const told = updatesOf(batches, this.onError, (head) => this.knownPlain(head, now));
    const updates = told.people.filter((u) => !this.changesNothing(u, now));
    try {
      // Groups first: the people's apply records the outbox, and either is idempotent on a replay.
      await this.store.applyGroups(told.groups);
      this.remember((await this.store.apply(updates)).persons, now);
      this.failures = 0;
    } catch (err) {
      if (++this.failures < TRIES_WHOLE) throw err;
      this.known.clear();
      await this.applyEach(told.groups, (g) => this.store.applyGroups([g]), err as Error);
      await this.applyEach(updates, (u) => this.store.apply([u]), err as Error);
      this.failures = 0;
    }
    this.rememberPlain(told, now);
    await this.report();
    this.unacked = this.ackEveryMs > 0 ? [batches[batches.length - 1]!] : batches;
    await this.ackDue(consumer, false);
    return true;
  }

  /**
   * True when applying `u` would change nothing (merge.ts): it sets no trait, group or
   * alias; all its ids are one known person's; its company is theirs (or none); and it
   * is not older than their first event.
   */
  private changesNothing(u: ProfileUpdate, now: number): boolean {
    if (u.aliases.length || u.unset.length || !empty(u.set) || !empty(u.setOnce) || !empty(u.groups))
      return false;
    let person: string | null = null;
    for (const id of idsOf(u)) {
      const k = this.known.get(`${u.tenantId}\0${id}`);
      if (!k || k.until < now || (person !== null && k.person !== person)) return false;
      if (u.at < k.firstSeenAt || (u.company !== null && u.company !== k.company)) return false;
      person = k.person;
    }
    return person !== null;
  }

  /**
   * True when an event with this plain head would change nothing: the same tenant, ids
   * and company were seen, and changed nothing, for a person this worker still knows as
   * it did then (the same `known` entries: any change to them makes new ones), and the
   * event is not older than the person's first.
   */
  private knownPlain(head: PlainHead, now: number): boolean {
    const seen = this.plain.get(head.signature);
    if (!seen || seen.known.until < now || head.occurredAt < seen.known.firstSeenAt) return false;
    for (const key of seen.keys) if (this.known.get(key) !== seen.known) return false;
    return true;
  }

  /** Records the plain heads whose updates now change nothing (knownPlain). */
  private rememberPlain(told: { people: ProfileUpdate[]; plain: (string | null)[] }, now: number): void {
    if (this.plain.size > MAX_KNOWN) this.plain.clear();
    told.people.forEach((u, i) => {
      const signature = told.plain[i];
      if (!signature || !this.changesNothing(u, now)) return;
      const keys = idsOf(u).map((id) => `${u.tenantId}\0${id}`);
      const known = this.known.get(keys[0]!);
      if (known) this.plain.set(signature, { keys, known });
    });
  }

  private remember(persons: readonly PersonRecord[], now: number): void {
    if (this.known.size > MAX_KNOWN) this.known.clear();
    for (const p of persons) {
      const known = {
        person: p.id,
        company: p.company?.value ?? null,
        firstSeenAt: p.firstSeenAt,
        until: now + this.knownMs,
      };
      for (const id of idsOf(p)) this.known.set(`${p.tenantId}\0${id}`, known);
    }
  }

  private async applyEach<U extends { key?: string; type?: string }>(
    updates: readonly U[],
    apply: (u: U) => Promise<unknown>,
    cause: Error,
  ): Promise<void> {
    for (const u of updates) {
      try {
        await apply(u);
      } catch (err) {
        const what = u.key !== undefined ? `event ${u.key}` : `an update of group type ${u.type}`;
        this.onError(
          new Error(`profiles: passed over ${what} after ${TRIES_WHOLE} tries: ${(err as Error).message}`, {
            cause,
          }),
        );
      }
    }
  }

  private async report(): Promise<void> {
    if (this.outbox) await drainOutbox(this.store, this.outbox);
  }
}

const empty = (o: object): boolean => {
  for (const _ in o) return false;
  return true;
};

/**
 * Whether an event's properties may say more of a person than its head does
 * (profile-update.ts): Segment's identify, alias and group — not track, page or screen,
 * most of what SDKs send — and PostHog's $identify, $create_alias and $groupidentify, or
 * any PostHog event whose text names `$set`, `$set_once`, `$unset` or `$groups` (the document is written by
 * JSON.stringify, which leaves `$` as it is; a mention inside a value only costs a
 * whole parse). A PostHog capture without them is told by its head alone.
 */
function needsProperties(e: Pick<UsageEvent, 'source' | 'name'>, doc: string, cut: number): boolean {
  if (e.source === 'segment') return e.name === 'identify' || e.name === 'alias' || e.name === 'group';
  if (e.source !== 'posthog') return false;
  return (
    e.name === '$identify' ||
    e.name === '$groupidentify' ||
    e.name === '$create_alias' ||
    doc.includes('"$set', cut) ||
    doc.includes('"$unset"', cut) ||
    doc.includes('"$groups"', cut)
  );
}

/**
 * The documents' updates. A document's head, before `properties` (log/event-doc.ts; the
 * documents of earlier versions too), holds all that most events tell — every native, push,
 * sessions, aggregated or hits event, and Segment's track, page and screen — and parsing
 * it alone takes a fraction of the whole document, whose raw payload repeats the rest.
 */
function updatesOf(
  batches: readonly LogBatch[],
  onError: (err: Error) => void,
  changesNothing: (head: PlainHead) => boolean,
): { people: ProfileUpdate[]; plain: (string | null)[]; groups: GroupUpdate[] } {
  const out: ProfileUpdate[] = [];
  const plain: (string | null)[] = [];
  const groups: GroupUpdate[] = [];
  for (const batch of batches) {
    let index = -1;
    for (const line of batch.docs.split('\n')) {
      index++;
      if (line === '') continue;
      try {
        // Quotes inside JSON strings are escaped: these texts are keys of the document itself.
        const cut = line.indexOf(PROPERTIES_KEY);
        const head = plainHead(line, cut);
        if (head && changesNothing(head)) continue;
        let event = JSON.parse(cut === -1 ? line : `${line.slice(0, cut)}}`) as UsageEvent;
        if (cut !== -1 && needsProperties(event, line, cut)) event = JSON.parse(line) as UsageEvent;
        const update = profileUpdateOf(event, `${batch.offset}:${index}`);
        if (update) {
          out.push(update);
          plain.push(head?.signature ?? null);
        }
        const group = groupUpdateOf(event);
        if (group) groups.push(group);
      } catch (err) {
        onError(
          new Error(
            `profiles: passed over a document of log batch ${batch.offset}: ${(err as Error).message}`,
          ),
        );
      }
    }
  }
  return { people: out, plain, groups };
}
