export type EndpointState = 'unverified' | 'active' | 'paused';

export interface LiveEndpoint {
  id: string;
  tenantId: string;
  url: string;
  description: string;
  /** Event types: exact, or namespace wildcards (`usagehub.event.push.*`). Empty: all. */
  filters: string[];
  publicKey: string;
  /** The HMAC secret; shown to admins, never logged. */
  privateKey: string;
  state: EndpointState;
  verifiedAt: string | null;
  /** Why the last verification failed, if it did. */
  verifyError: string | null;
  /** Deliver one at a time, in the order the events were stored; a failing one holds the rest. */
  ordered: boolean;
  /** Since when every attempt has failed (null after a success). */
  failingSince: number | null;
  createdAt: string;
}

export interface Delivery {
  /** The `webhook-id`: stable across retries and replays of the same event to the same endpoint. */
  id: string;
  endpointId: string;
  type: string;
  body: string;
  createdAt: number;
  nextAttemptAt: number;
  attempts: number;
  status: 'pending' | 'delivered';
  /** How often it was replayed: an outcome recorded for an earlier round does not overwrite a replay. */
  replays: number;
}

/**
 * What one attempt sent and got back, for the console's delivery detail. The request's
 * headers are a function of the endpoint's keys, the delivery and the second it was sent
 * (signing.ts deliveryHeaders): the second and the public key are kept, and the headers
 * made again when shown — half the bytes per attempt, which the sender writes thousands
 * of times a second.
 */
export interface Exchange {
  /** The `webhook-timestamp` sent (Unix seconds). */
  sentAt: number;
  /** The key pair it was signed with, by its public key. */
  publicKey: string;
  responseHeaders: Record<string, string>;
  /** The answer's first EXCHANGE_BODY_CAP bytes (whole UTF-8 characters). */
  responseBody: string;
}

/** How much of an answer is kept with its attempt. */
export const EXCHANGE_BODY_CAP = 4096;

export interface Attempt {
  deliveryId: string;
  at: number;
  status: number | null;
  latencyMs: number;
  error: string | null;
  /** Absent on attempts recorded before usagehub kept them. */
  exchange?: Exchange | null;
}

/** A delivery, and each of its attempts with what it sent and got back, oldest first. */
export interface DeliveryDetail {
  delivery: Delivery;
  attempts: (Attempt & { id: number; exchange: Exchange | null })[];
}

/** An attempt as the delivery log lists it: numbered (newest highest), with its delivery's type. */
export type ListedAttempt = Omit<Attempt, 'exchange'> & { id: number; type: string };

/** Which attempts a page of the log holds: before an id (the previous page's last), failed ones only. */
export interface AttemptPage {
  limit: number;
  before?: number;
  failed?: boolean;
}

/** An endpoint's attempts over a window: how many succeeded, lag percentiles, counts per bucket. */
export interface EndpointStats {
  attempts: number;
  succeeded: number;
  /** From queueing to the successful attempt, over the window's successes; null without any. */
  lagP50Ms: number | null;
  lagP99Ms: number | null;
  /** The endpoint's last failed attempt, whenever it was. */
  lastError: { at: number; error: string } | null;
  buckets: { at: number; succeeded: number; failed: number }[];
}

export interface StatsWindow {
  from: number;
  to: number;
  bucketMs: number;
}

/** Which deliveries a replay queues again: queued in [from, to), by webhook-id, or those whose last attempt failed. */
export type ReplaySelection = { from?: number; to?: number } | { ids: readonly string[] } | { failed: true };

/** One attempt's record, and the delivery's standing after it: delivered, or due again at `retryAt`. */
export interface AttemptRecord {
  delivery: Delivery;
  attempt: Attempt;
  retryAt: number | null;
}

/**
 * LiveStore port: the Live API's durable state — endpoints, the delivery queue, the
 * attempt log. A delivery is queued (durably) before the dispatcher acknowledges the log
 * batch it came from, so a crash can repeat a delivery, never lose one; repeats keep
 * their id. The embedded adapter is live.db (SQLite); the scale profile's is PostgreSQL,
 * shared by every worker.
 */
export interface LiveStore {
  createEndpoint(e: LiveEndpoint): Promise<LiveEndpoint>;
  updateEndpoint(e: LiveEndpoint): Promise<LiveEndpoint>;
  endpoint(tenantId: string, id: string): Promise<LiveEndpoint | null>;
  /** Every tenant's when no tenant is given; oldest first. */
  endpoints(tenantId?: string): Promise<LiveEndpoint[]>;
  /** Deletes the endpoint and its queue. */
  deleteEndpoint(tenantId: string, id: string): Promise<boolean>;
  /** Queues deliveries; one already queued (same id) is left as it is. */
  enqueue(deliveries: readonly Delivery[]): Promise<void>;
  /**
   * Pending deliveries due by `now`, oldest first. A store shared by several senders
   * hands each out to one of them, for a lease long enough to attempt it; after the lease
   * an unrecorded delivery is due again (its sender died).
   */
  due(now: number, limit: number): Promise<Delivery[]>;
  /** Records attempts and the deliveries' new standing, all at once. */
  recordAttempts(records: readonly AttemptRecord[]): Promise<void>;
  /** The oldest pending delivery of an endpoint, in the order deliveries were queued. */
  oldestPending(endpointId: string): Promise<Delivery | null>;
  /**
   * Queues deliveries of an endpoint again, delivered or not: those queued in
   * [from, to) (Unix ms), those with the given ids, or the pending ones that failed
   * at least once (sent now rather than at their retry time). Returns how many.
   */
  replay(endpointId: string, by: ReplaySelection, now: number): Promise<number>;
  /** The delivery log, newest attempt first. */
  attempts(endpointId: string, page: AttemptPage): Promise<ListedAttempt[]>;
  /** One delivery and its attempts with what they sent and got back, oldest first. */
  delivery(endpointId: string, id: string): Promise<DeliveryDetail | null>;
  /** Attempts made in [from, to): totals, lag percentiles, and counts per bucket of bucketMs. */
  stats(endpointId: string, window: StatsWindow): Promise<EndpointStats>;
  /** Pending deliveries, per endpoint: the backlog. */
  backlog(): Promise<Map<string, number>>;
  /** One endpoint's backlog (what its page shows, without counting every endpoint's). */
  pendingCount(endpointId: string): Promise<number>;
  close(): Promise<void>;
}
