import { seqOf } from '../store/seq.ts';
import { utf8Prefix } from './live-stats.ts';
import { reasonOf } from '../store/quarantine.ts';
import { createHash, randomUUID } from 'node:crypto';
import type { UsageEvent } from '../domain/event.ts';
import type { EventLog, LogConsumer } from '../log/event-log.port.ts';
import {
  eventTypes,
  matchesFilters,
  type AdminEventType,
  type ExtraTypes,
  type ProfileEventType,
} from './event-types.ts';
import type { LiveHttp } from './live-http.ts';
import {
  EXCHANGE_BODY_CAP,
  type AttemptRecord,
  type Delivery,
  type LiveEndpoint,
  type LiveStore,
} from './live-store.port.ts';
import { deliveryHeaders } from './signing.ts';

/** The log's consumer group whose members turn events into deliveries. */
export const LIVE_CONSUMER = 'live';
const READ_EVENTS = 5000;
const IDLE_MS = 100;
const MAX_DELAY_MS = 3600_000;
/** Deliveries fetched from the store at once, and the level below which more are fetched. */
const REFILL_SIZE = 2000;
const REFILL_BELOW = 1000;
const FLUSH_MS = 10;
/** After a failed turn or record, wait this long before trying again. */
const RETRY_MS = 1000;

/**
 * Retry schedule: the n-th failure waits 2^(n-1) seconds, capped at an hour, with
 * "equal jitter" (half fixed, half random) so that endpoints that failed together do
 * not retry together; a longer `Retry-After` from the receiver wins.
 */
export function retryDelayMs(failures: number, retryAfterMs: number | null, random = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, 1000 * 2 ** Math.max(0, failures - 1));
  const delay = base / 2 + random() * (base / 2);
  return Math.min(MAX_DELAY_MS, Math.max(delay, retryAfterMs ?? 0));
}

/** The `webhook-id`: the same event to the same endpoint is always the same delivery. */
const deliveryId = (endpointId: string, dedupKey: string): string =>
  `msg_${createHash('sha256').update(`${endpointId}\0${dedupKey}`).digest('hex').slice(0, 32)}`;

/** The Live API body: `{service, type, data, timestamp}`, timestamp in milliseconds. */
function body(endpoint: LiveEndpoint, type: string, e: UsageEvent): string {
  // What the client sent stays in usagehub; subscribers get the canonical event.
  const data: Record<string, unknown> = { id: e.dedupKey, ...e };
  delete data.raw;
  delete data.dedupKey;
  return JSON.stringify({
    service: endpoint.description || 'usagehub',
    type,
    data,
    timestamp: e.occurredAt,
  });
}

export interface LiveObserver {
  delivered(endpointId: string, ok: boolean, lagMs: number): void;
  /** A log record that could not be turned into deliveries was passed over (its seq, and why). */
  skipped(seq: number, reason: string): void;
}

/**
 * Streams stored events to verified endpoints. Two loops share one timer: the
 * dispatcher reads the log from its own offset and queues a delivery per matching
 * endpoint (durably, before the offset moves on); the sender posts due deliveries,
 * at most `concurrency` at a time per endpoint, and reschedules failures.
 */
export class LiveWorker {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private turning = false;
  private again = false;
  /** Per endpoint, deliveries fetched from the store and not yet started. */
  private readonly queues = new Map<string, Delivery[]>();
  /** Ids queued here, in flight, or answered and not yet recorded. */
  private readonly held = new Set<string>();
  private readonly busy = new Map<string, number>();
  private inFlight = 0;
  private endpoints = new Map<string, LiveEndpoint>();
  /** This worker's membership of the log's `live` consumer group, joined on the first turn. */
  private consumer: LogConsumer | null = null;
  private records: AttemptRecord[] = [];
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly store: LiveStore,
    private readonly http: LiveHttp,
    private readonly concurrency: number,
    /** Something failed and will be tried again (the store or the log briefly unavailable). */
    private readonly onError: (err: Error) => void,
    private readonly observer?: LiveObserver,
    /** The types each dialect adds to its events' own (dialect.ts). */
    private readonly extraTypes: ExtraTypes = () => [],
  ) {}

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.turning = true;
      this.running = this.turn()
        .then((busy) => {
          this.turning = false;
          const next = busy || this.again ? 0 : IDLE_MS;
          this.again = false;
          this.schedule(next);
        })
        .catch((err: unknown) => {
          // Nothing is lost: unacked batches and unrecorded deliveries are taken again.
          this.onError(err as Error);
          this.turning = false;
          this.schedule(RETRY_MS);
        });
    }, ms);
  }

  /** More work may be ready: take the next turn now (or right after the current one). */
  private kick(): void {
    if (this.stopped) return;
    if (this.turning) {
      this.again = true;
    } else if (this.timer) {
      clearTimeout(this.timer);
      this.schedule(0);
    }
  }

  private async turn(): Promise<boolean> {
    // One read of the endpoints per turn serves both loops.
    this.endpoints = new Map((await this.store.endpoints()).map((e) => [e.id, e]));
    const queued = await this.dispatch();
    const sent = await this.send();
    return queued || sent;
  }

  /** Log → deliveries. True when it moved. */
  private async dispatch(): Promise<boolean> {
    const consumer = (this.consumer ??= await this.log.consumer(LIVE_CONSUMER));
    const endpoints = [...this.endpoints.values()].filter((e) => e.state !== 'unverified');
    if (endpoints.length === 0) {
      // Nobody listens: events stored now are not for endpoints verified later.
      await consumer.skip();
      return false;
    }
    const batches = await consumer.next(READ_EVENTS, 0);
    if (batches.length === 0) return false;
    const byTenant = new Map<string, LiveEndpoint[]>();
    for (const e of endpoints) byTenant.set(e.tenantId, [...(byTenant.get(e.tenantId) ?? []), e]);
    const deliveries: Delivery[] = [];
    const now = Date.now();
    for (const batch of batches) {
      batch.docs.split('\n').forEach((doc, index) => {
        // One record that cannot become deliveries (a log written by a buggy or older
        // usagehub) is passed over and reported, so that it never wedges the dispatcher.
        try {
          deliveries.push(...deliveriesOf(JSON.parse(doc) as UsageEvent, byTenant, now, this.extraTypes));
        } catch (err) {
          this.observer?.skipped(seqOf({ offset: batch.offset, index }), reasonOf(err));
        }
      });
    }
    // Queued durably before the batches are acked: a crash in between repeats, never loses.
    await this.store.enqueue(deliveries);
    await consumer.ack(batches);
    return true;
  }

  /**
   * Emits something that is not a stored event (an admin change, an import job) to the
   * tenant's verified endpoints whose filters take it: queued at once, durably.
   */
  /**
   * Queues `type` with `data` to the tenant's endpoints that take it. `key` names the
   * occurrence: emitting it again (a replay) queues nothing new; without one, each call
   * is its own.
   */
  async emit(
    tenantId: string,
    type: AdminEventType | ProfileEventType,
    data: Record<string, unknown>,
    key?: string,
  ): Promise<void> {
    const now = Date.now();
    const once = key ?? randomUUID();
    const deliveries: Delivery[] = (await this.store.endpoints(tenantId))
      .filter((e) => e.state !== 'unverified' && matchesFilters(type, e.filters))
      .map((e) => ({
        id: deliveryId(e.id, once),
        endpointId: e.id,
        type,
        body: JSON.stringify({ service: e.description || 'usagehub', type, data, timestamp: now }),
        createdAt: now,
        nextAttemptAt: now,
        attempts: 0,
        status: 'pending' as const,
        replays: 0,
      }));
    await this.store.enqueue(deliveries);
    if (deliveries.length > 0) this.kick();
  }

  /** Due deliveries → HTTP. True when it started any. */
  private async send(): Promise<boolean> {
    // Refill the local queues from the store when they run low; ids already held (queued
    // here, in flight, or answered but not yet recorded) are not taken twice.
    const now = Date.now();
    if (this.held.size < REFILL_BELOW) {
      for (const d of await this.store.due(now, REFILL_SIZE)) {
        // Ordered endpoints take their deliveries one by one, below.
        if (this.held.has(d.id) || this.endpoints.get(d.endpointId)?.ordered) continue;
        this.held.add(d.id);
        const queue = this.queues.get(d.endpointId) ?? [];
        queue.push(d);
        this.queues.set(d.endpointId, queue);
      }
    }
    // An ordered endpoint gets its oldest pending delivery, and nothing else until that
    // one is delivered: a failing delivery holds the ones after it.
    for (const e of this.endpoints.values()) {
      if (!e.ordered || e.state !== 'active' || (this.busy.get(e.id) ?? 0) > 0 || this.queues.has(e.id))
        continue;
      const head = await this.store.oldestPending(e.id);
      if (!head || head.nextAttemptAt > now || this.held.has(head.id)) continue;
      this.held.add(head.id);
      this.queues.set(e.id, [head]);
    }
    let started = false;
    for (const endpointId of this.queues.keys()) started = this.pump(endpointId) || started;
    return started;
  }

  /** Starts as many of an endpoint's queued deliveries as its concurrency allows. */
  private pump(endpointId: string): boolean {
    const queue = this.queues.get(endpointId);
    const endpoint = this.endpoints.get(endpointId);
    if (!queue || !endpoint || endpoint.state !== 'active' || this.stopped) {
      // Paused, deleted or unverified: let go; the store keeps them queued.
      for (const d of queue ?? []) this.held.delete(d.id);
      this.queues.delete(endpointId);
      return false;
    }
    let started = false;
    const limit = endpoint.ordered ? 1 : this.concurrency;
    while (queue.length > 0 && (this.busy.get(endpointId) ?? 0) < limit) {
      const d = queue.shift()!;
      this.busy.set(endpointId, (this.busy.get(endpointId) ?? 0) + 1);
      this.inFlight++;
      started = true;
      void this.attempt(endpoint, d).finally(() => {
        this.inFlight--;
        this.busy.set(endpointId, (this.busy.get(endpointId) ?? 1) - 1);
        // A slot is free: the next delivery goes at once, not after the idle wait.
        if (!this.pump(endpointId) && queue.length === 0) this.kick();
      });
    }
    if (queue.length === 0 && (this.busy.get(endpointId) ?? 0) === 0) this.queues.delete(endpointId);
    return started;
  }

  private async attempt(endpoint: LiveEndpoint, d: Delivery): Promise<void> {
    const sentMs = Date.now();
    const headers = deliveryHeaders(endpoint, d.id, d.body, sentMs);
    const res = await this.http.send(endpoint.url, { method: 'POST', headers, body: d.body });
    const ok = res.status !== null && res.status >= 200 && res.status < 300;
    const error = ok ? null : (res.error ?? `answered ${res.status}`);
    const retryAt = ok ? null : Date.now() + retryDelayMs(d.attempts + 1, res.retryAfterMs);
    this.records.push({
      delivery: d,
      attempt: {
        deliveryId: d.id,
        at: Date.now(),
        status: res.status,
        latencyMs: res.latencyMs,
        error,
        exchange: {
          sentAt: Math.floor(sentMs / 1000),
          publicKey: endpoint.publicKey,
          responseHeaders: res.headers,
          responseBody: utf8Prefix(res.body, EXCHANGE_BODY_CAP),
        },
      },
      retryAt,
    });
    this.flushSoon();
    this.observer?.delivered(endpoint.id, ok, Date.now() - d.createdAt);
  }

  /** Outcomes are recorded in groups: one transaction per FLUSH_MS, not one per delivery. */
  private flushSoon(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, FLUSH_MS);
  }

  private async flush(): Promise<void> {
    const records = this.records;
    this.records = [];
    try {
      await this.store.recordAttempts(records);
    } catch (err) {
      // Kept, and recorded with the next group; until then they stay held, not resent.
      this.records = records.concat(this.records);
      this.onError(err as Error);
      if (!this.stopped) setTimeout(() => this.flushSoon(), RETRY_MS);
      return;
    }
    // Recorded: a failed one may be fetched again when due.
    for (const r of records) this.held.delete(r.delivery.id);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flush();
    await this.consumer?.close();
  }
}

/** The deliveries one stored event makes: one per verified endpoint of its tenant and type it matches. */
function deliveriesOf(
  event: UsageEvent,
  byTenant: Map<string, LiveEndpoint[]>,
  now: number,
  extraTypes: ExtraTypes,
): Delivery[] {
  const listeners = byTenant.get(event.tenantId);
  if (!listeners) return [];
  const out: Delivery[] = [];
  for (const [i, type] of eventTypes(event, extraTypes).entries()) {
    for (const endpoint of listeners) {
      if (!matchesFilters(type, endpoint.filters)) continue;
      out.push({
        // The event's own type keeps the plain id; a derived type (session started) its own.
        id: deliveryId(endpoint.id, i === 0 ? event.dedupKey : `${event.dedupKey}\0${type}`),
        endpointId: endpoint.id,
        type,
        body: body(endpoint, type, event),
        createdAt: now,
        nextAttemptAt: now,
        attempts: 0,
        status: 'pending',
        replays: 0,
      });
    }
  }
  return out;
}
