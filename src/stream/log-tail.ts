import type { EventLog } from '../log/event-log.port.ts';
import { seqOf } from '../store/seq.ts';
import { userKeyOf, type UsageEvent } from '../domain/event.ts';
import { storedEventView } from '../query/find-events.ts';

/** Which acknowledged events a subscriber of the tail wants: one tenant's, narrowed like the explorer. */
export interface TailFilter {
  tenantId: string;
  appIds?: readonly string[];
  names?: readonly string[];
  sources?: readonly string[];
  userKeys?: readonly string[];
}

export interface TailSubscriber {
  filter: TailFilter;
  /** The events of one read of the log that match, newest last, each as the events API shows it. */
  deliver(events: Record<string, unknown>[]): void;
}

/** How often the tail looks at the log when it found nothing new. */
const IDLE_MS = 250;
/** At most this many events per read of the log: a tail that fell behind catches up in steps. */
const READ_EVENTS = 20_000;

const matches = (f: TailFilter, e: UsageEvent): boolean =>
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
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly log: Pick<EventLog, 'read' | 'head'>,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Starts delivering to `s`; the returned function stops. */
  subscribe(s: TailSubscriber): () => void {
    this.subscribers.add(s);
    this.running ??= this.follow().finally(() => (this.running = null));
    return () => this.subscribers.delete(s);
  }

  get listeners(): number {
    return this.subscribers.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribers.clear();
    this.wake?.();
    await this.running;
  }

  private async follow(): Promise<void> {
    let after = await this.log.head();
    while (!this.closed && this.subscribers.size > 0) {
      let found = 0;
      try {
        for (const batch of await this.log.read(after, READ_EVENTS)) {
          after = batch.offset;
          found += batch.count;
          this.fanOut(batch.offset, batch.docs);
        }
      } catch (err) {
        this.onError(err as Error);
      }
      if (found === 0) await new Promise<void>((resolve) => this.idle(resolve));
    }
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
    const tenants = new Set([...this.subscribers].map((s) => s.filter.tenantId));
    const out = new Map<TailSubscriber, Record<string, unknown>[]>();
    for (let i = 0; i < lines.length; i++) {
      const doc = lines[i]!;
      // Most documents start with their tenant: skip other tenants' without parsing them.
      const tenant = leadingTenant(doc);
      if (tenant !== null && !tenants.has(tenant)) continue;
      const event = JSON.parse(doc) as UsageEvent;
      let view: Record<string, unknown> | null = null;
      for (const s of this.subscribers) {
        if (s.filter.tenantId !== event.tenantId || !matches(s.filter, event)) continue;
        view ??= storedEventView(doc, seqOf({ offset, index: i }));
        const list = out.get(s);
        if (list) list.push(view);
        else out.set(s, [view]);
      }
    }
    for (const [s, events] of out) s.deliver(events);
  }
}

const TENANT_PREFIX = '{"tenantId":';

/** The tenant a document starts with; null when it starts otherwise (then it is parsed to know). */
function leadingTenant(doc: string): string | null {
  if (!doc.startsWith(TENANT_PREFIX + '"')) return null;
  const end = doc.indexOf('"', TENANT_PREFIX.length + 1);
  const tenant = end < 0 ? '' : doc.slice(TENANT_PREFIX.length + 1, end);
  return tenant === '' || tenant.includes('\\') ? null : tenant;
}
