import type { EventLog } from '../log/event-log.port.ts';
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

/** How often the tail looks at the log when it found nothing new. */
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
 * /v1/stream`). One reader per process follows the log from its head while anyone
 * listens, and none otherwise: a tail costs ingest nothing until it is opened. It reads
 * the log, not this process's requests, so it shows what every ingest process
 * acknowledged.
 */
export class LogTail {
  private readonly subscribers = new Set<TailSubscriber>();
  private running: Promise<void> | null = null;
  private following = false;
  /** Set when someone subscribes while nobody listened: the reader goes back to the head. */
  private rejoin = false;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly log: Pick<EventLog, 'read' | 'head'>,
    private readonly onError: (err: Error) => void,
  ) {}

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
        after = await this.step(after);
      }
    } finally {
      this.following = false;
    }
  }

  /** One read of the log and its delivery; returns where the next read starts. */
  private async step(after: number): Promise<number> {
    let found = 0;
    try {
      const batches = await this.log.read(after, READ_EVENTS);
      for (const batch of batches) {
        if (this.subscribers.size === 0) break;
        after = batch.offset;
        found += batch.count;
        this.fanOut(batch.offset, batch.docs);
      }
      if (found >= READ_EVENTS) after = await this.skipAhead(after, found / batches.length);
    } catch (err) {
      this.onError(err as Error);
    }
    if (found === 0) await new Promise<void>((resolve) => this.idle(resolve));
    return after;
  }

  /** When far behind, to the head; the subscribers hear about how much they missed. */
  private async skipAhead(after: number, eventsPerBatch: number): Promise<number> {
    const head = await this.log.head();
    if (head - after <= MAX_BEHIND_BATCHES) return after;
    const about = Math.round((head - after) * eventsPerBatch);
    for (const s of this.subscribers) s.skipped(about);
    return head;
  }

  private idle(resolve: () => void): void {
    const done = (): void => {
      clearTimeout(timer);
      this.wake = null;
      resolve();
    };
    const timer = setTimeout(done, IDLE_MS);
    this.wake = done;
  }

  private fanOut(offset: number, docs: string): void {
    const lines = docs.split('\n');
    const subscribers = [...this.subscribers];
    const tenants = new Set(subscribers.map((s) => s.filter.tenantId));
    const fields = subscribers.some((s) => s.filter.userKeys?.length) ? WITH_ACTOR : FIELDS;
    const out = new Map<TailSubscriber, TailEvent[]>();
    for (let i = 0; i < lines.length; i++) {
      const doc = lines[i]!;
      const head = headOf(doc, fields);
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
