import type { EventLog } from '../log/event-log.port.ts';
import type { AppendTap, AppendedEvents } from '../ingest/pipeline.ts';
import { seqOf } from '../store/seq.ts';
import { userKeyOf, type UsageEvent } from '../domain/event.ts';
import { storedEventText } from '../query/find-events.ts';
import { topLevelFields } from './doc-fields.ts';

/** Which acknowledged events a subscriber of the tail wants: one tenant's, narrowed like the explorer. */
export interface TailFilter {
  tenantId: string;
  appIds?: readonly string[];
  names?: readonly string[];
  sources?: readonly string[];
  userKeys?: readonly string[];
}

/** One event as the stream sends it: its id, and its JSON as `GET /v1/events` shows it. */
export interface TailEvent {
  eventId: string;
  json: string;
}

export interface TailSubscriber {
  filter: TailFilter;
  /** The events of one log batch that match, oldest first. */
  deliver(events: TailEvent[]): void;
  /** The tail fell so far behind that it jumped ahead: about this many events were not looked at. */
  skipped(about: number): void;
}

/** How often the tail looks at the log when nothing was appended here. */
const IDLE_MS = 250;
/** At most this many events per read of the log. */
const READ_EVENTS = 20_000;
/**
 * A tail this many batches behind the log's head jumps to the head (and says about how
 * many events it skipped): a live view shows what happens now, and catching up on a
 * backlog would take the CPU that ingest needs.
 */
const MAX_BEHIND_BATCHES = 100;

const matches = (f: TailFilter, e: Head): boolean =>
  (!f.appIds?.length || f.appIds.includes(e.appId)) &&
  (!f.names?.length || f.names.includes(e.name)) &&
  (!f.sources?.length || f.sources.includes(e.source)) &&
  (!f.userKeys?.length || f.userKeys.includes(userKeyOf(e.actor) ?? ''));

/**
 * The events acknowledged from now on, for live views (the console's tail, `GET
 * /v1/stream`). One follower per process, while anyone listens and never otherwise: a
 * tail costs ingest nothing until it is opened.
 *
 * It follows the log, so it shows what every ingest process (and the CLI) appended. The
 * batches this process appends reach it directly from ingest, as objects, with the
 * offset the log gave them (AppendTap): those it shows without reading them back or
 * parsing them, which is most of what following the log costs. Whatever the next
 * batch from ingest skips over (another writer's batches), a batch it cannot place, and
 * anything appended while this process was quiet, it reads from the log.
 */
export class LogTail implements AppendTap {
  private readonly subscribers = new Set<TailSubscriber>();
  private running: Promise<void> | null = null;
  private following = false;
  /** Set when someone subscribes while nobody listened: the follower goes back to the head. */
  private rejoin = false;
  private closed = false;
  private wake: (() => void) | null = null;
  /** Batches appended here, oldest first, not yet shown. */
  private appendedHere: AppendedEvents[] = [];
  /** Set when the follower fell behind on them: it goes on after this offset. */
  private skipTo = 0;

  constructor(
    private readonly log: Pick<EventLog, 'read' | 'head'>,
    private readonly onError: (err: Error) => void,
  ) {}

  get listening(): boolean {
    return this.subscribers.size > 0;
  }

  appended(batch: AppendedEvents): void {
    if (this.subscribers.size === 0 || !batch.fresh.includes(1)) return;
    if (this.appendedHere.length >= MAX_BEHIND_BATCHES) this.fellBehind();
    this.appendedHere.push(batch);
    this.wake?.();
  }

  /** Starts delivering to `s`; the returned function stops. */
  subscribe(s: TailSubscriber): () => void {
    if (this.subscribers.size === 0) this.rejoin = true;
    this.subscribers.add(s);
    // `following` drops in the same turn as the loop's last check: a subscriber added
    // after that check starts a new loop, never waits on one that is ending.
    if (!this.following) {
      this.following = true;
      this.running = this.follow();
    }
    return () => this.subscribers.delete(s);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribers.clear();
    this.wake?.();
    await this.running;
  }

  private async follow(): Promise<void> {
    try {
      let after = 0;
      while (!this.closed && this.subscribers.size > 0) {
        if (this.rejoin) {
          this.rejoin = false;
          after = await this.log.head();
        }
        after = await this.step(Math.max(after, this.skipTo));
      }
    } finally {
      this.following = false;
      this.appendedHere = [];
    }
  }

  /** Shows the next batch; returns the offset shown up to. */
  private async step(after: number): Promise<number> {
    const next = this.appendedHere.shift();
    if (next?.offset != null) {
      // Already read from the log, when a gap before it was filled.
      if (next.offset <= after) return after;
      if (next.offset === after + 1) {
        this.fanOutAppended(next.offset, next);
        return next.offset;
      }
    }
    // Nothing appended here lately: wait for that, or look at the log after a while.
    if (!next && ((await this.idle()) || this.closed)) return after;
    return this.readLog(after);
  }

  /** One read of the log and its delivery; returns where the next read starts. */
  private async readLog(after: number): Promise<number> {
    try {
      const batches = await this.log.read(after, READ_EVENTS);
      let found = 0;
      for (const batch of batches) {
        if (this.subscribers.size === 0) break;
        after = batch.offset;
        found += batch.count;
        this.fanOutRead(batch.offset, batch.docs);
      }
      if (found >= READ_EVENTS) after = await this.skipAhead(after, found / batches.length);
    } catch (err) {
      this.onError(err as Error);
    }
    return after;
  }

  /** When far behind, to the head; the subscribers hear about how much they missed. */
  private async skipAhead(after: number, eventsPerBatch: number): Promise<number> {
    const head = await this.log.head();
    if (head - after <= MAX_BEHIND_BATCHES) return after;
    this.tellSkipped(Math.round((head - after) * eventsPerBatch));
    return head;
  }

  /** The batches appended here piled up unshown: they are dropped, and said to be. */
  private fellBehind(): void {
    let about = 0;
    for (const b of this.appendedHere) {
      for (const f of b.fresh) about += f;
      if (b.offset !== null) this.skipTo = Math.max(this.skipTo, b.offset);
    }
    this.appendedHere = [];
    this.tellSkipped(about);
  }

  private tellSkipped(about: number): void {
    for (const s of this.subscribers) s.skipped(about);
  }

  /** Resolves true when a batch was appended here, false after IDLE_MS or at close. */
  private idle(): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve(woken);
      };
      const timer = setTimeout(() => done(false), IDLE_MS);
      this.wake = () => done(true);
    });
  }

  private fanOutAppended(offset: number, b: AppendedEvents): void {
    if (!b.fresh.includes(0)) {
      this.fanOut(offset, b.docs, (i) => b.events[i]!);
      return;
    }
    const docs: string[] = [];
    const events: UsageEvent[] = [];
    b.fresh.forEach((f, i) => {
      if (f) {
        docs.push(b.docs[i]!);
        events.push(b.events[i]!);
      }
    });
    this.fanOut(offset, docs, (i) => events[i]!);
  }

  private fanOutRead(offset: number, text: string): void {
    const fields = [...this.subscribers].some((s) => s.filter.userKeys?.length) ? WITH_ACTOR : FIELDS;
    this.fanOut(offset, text.split('\n'), (i, doc) => headOf(doc, fields));
  }

  /** Hands each subscriber the events of log batch `offset` that it wants (docs: the batch's, in order). */
  private fanOut(offset: number, docs: readonly string[], headAt: (i: number, doc: string) => Head): void {
    const subscribers = [...this.subscribers];
    const tenants = new Set(subscribers.map((s) => s.filter.tenantId));
    const out = new Map<TailSubscriber, TailEvent[]>();
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i]!;
      const head = headAt(i, doc);
      if (!tenants.has(head.tenantId)) continue;
      let view: TailEvent | null = null;
      for (const s of subscribers) {
        if (s.filter.tenantId !== head.tenantId || !matches(s.filter, head)) continue;
        if (!view) {
          const seq = seqOf({ offset, index: i });
          view = { eventId: String(seq), json: storedEventText(doc, head, seq) };
        }
        const list = out.get(s);
        if (list) list.push(view);
        else out.set(s, [view]);
      }
    }
    for (const [s, events] of out) s.deliver(events);
  }
}

/** What the tail needs of an event to route it. */
type Head = Pick<
  UsageEvent,
  'tenantId' | 'appId' | 'source' | 'name' | 'occurredAt' | 'receivedAt' | 'actor'
>;

const FIELDS = ['tenantId', 'appId', 'source', 'name', 'occurredAt', 'receivedAt'] as const;
const WITH_ACTOR = [...FIELDS, 'actor'] as const;

/**
 * The fields that route an event, read from the front of its document without parsing
 * the rest (its properties and raw payload are most of it: parsing them was most of a
 * stream's cost). A document the scan cannot read is parsed whole.
 */
function headOf(doc: string, wanted: readonly string[]): Head {
  const f = topLevelFields(doc, wanted);
  if (!f || f.tenantId === undefined || f.occurredAt === undefined || f.receivedAt === undefined)
    return JSON.parse(doc) as UsageEvent;
  // Ids and names rarely hold escapes: their text between the quotes is their value.
  const text = (v: string | undefined) =>
    v === undefined ? '' : v.startsWith('"') && !v.includes('\\') ? v.slice(1, -1) : String(JSON.parse(v));
  return {
    tenantId: text(f.tenantId),
    appId: text(f.appId),
    source: text(f.source) as Head['source'],
    name: text(f.name),
    occurredAt: Number(f.occurredAt),
    receivedAt: Number(f.receivedAt),
    actor: f.actor === undefined ? {} : (JSON.parse(f.actor) as Head['actor']),
  };
}
