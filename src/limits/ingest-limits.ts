import { fullBucket, take, wouldWait, type BucketState, type Rate } from './token-bucket.ts';
import type { LimitName, RateLimited } from './rate-limited.ts';
import type { LimitSettingsCache } from './limit-settings-cache.ts';
import type { QuotaExceeded } from './quotas.ts';

/** The rates every ingest key and every tenant gets (config.ts: USAGEHUB_LIMIT_*). */
export interface IngestLimitSettings {
  keyRequestsPerSecond: number;
  keyEventsPerSecond: number;
  keyBytesPerSecond: number;
  tenantRequestsPerSecond: number;
  tenantEventsPerSecond: number;
  tenantBytesPerSecond: number;
  /** How many seconds' worth of each rate a bucket holds: the burst a quiet client may send at once. */
  burstSeconds: number;
}

/** Who sends: the tenant, and the credential (an API key's id, a write key's source, an OAuth client). */
export interface Sender {
  tenantId: string;
  key: string;
}

export type Admission = { outcome: 'admitted' } | RateLimited;
export type EventAdmission = Admission | QuotaExceeded;

type Measure = 'requests' | 'events' | 'bytes';
type Buckets = Record<Measure, BucketState>;
type Rates = Record<Measure, Rate>;

/** Entries kept before idle ones (full buckets, which say nothing) are swept. */
const SWEEP_ABOVE = 10_000;
const MEASURES: readonly Measure[] = ['requests', 'events', 'bytes'];

/**
 * Requests, bytes and events per second, per ingest key and per tenant (token buckets).
 * A request is admitted by its count and size as soon as its key is known — before its
 * body is read where the key rides in a header — and its events once they are counted;
 * what decoding made of its bytes is charged after. A refusal takes nothing from any
 * bucket, so a client that backs off loses nothing. Only keys that authenticated reach
 * here, so the tables grow with the catalog, not with what strangers send.
 */
export class IngestLimits {
  private readonly keys = new Map<string, Buckets>();
  private readonly tenants = new Map<string, Buckets>();
  private readonly rates: Record<'key' | 'tenant', Rates>;
  private readonly burstSeconds: number;
  /** What tenants' admins set (limits module); before it is attached, the server's rates alone. */
  private settings: LimitSettingsCache | null = null;

  constructor(
    settings: IngestLimitSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.burstSeconds = settings.burstSeconds;
    const rate = (perSecond: number): Rate => ({ perSecond, burst: perSecond * settings.burstSeconds });
    this.rates = {
      key: {
        requests: rate(settings.keyRequestsPerSecond),
        events: rate(settings.keyEventsPerSecond),
        bytes: rate(settings.keyBytesPerSecond),
      },
      tenant: {
        requests: rate(settings.tenantRequestsPerSecond),
        events: rate(settings.tenantEventsPerSecond),
        bytes: rate(settings.tenantBytesPerSecond),
      },
    };
  }

  /** One request of `bytes` bytes (as sent), or how long to wait. */
  admitRequest(sender: Sender, bytes: number): Admission {
    return this.admit(sender, [
      ['requests', 1],
      ['bytes', bytes],
    ]);
  }

  /** Tenants' own settings: lower rates for a tenant or a key, and quotas. */
  attach(settings: LimitSettingsCache): void {
    this.settings = settings;
  }

  /** `events` events, or how long to wait: for the rates, or for the tenant's quota. */
  admitEvents(sender: Sender, events: number): EventAdmission {
    const quota = this.settings?.quotas.admit(sender.tenantId, events);
    if (quota) return quota;
    return this.admit(sender, [['events', events]]);
  }

  /** New events the log took for the tenant: what its quotas count. */
  counted(tenantId: string, events: number): void {
    this.settings?.quotas.counted(tenantId, events);
  }

  /** The rate in force: the server's, or lower where the tenant's admin set it so. */
  private rate(kind: 'key' | 'tenant', measure: Measure, sender: Sender): Rate {
    const base = this.rates[kind][measure];
    const own =
      kind === 'key'
        ? this.settings?.key(sender.tenantId, sender.key)
        : this.settings?.tenant(sender.tenantId);
    const set = own?.[`${measure}PerSecond`];
    return set !== undefined && set < base.perSecond
      ? { perSecond: set, burst: set * this.burstSeconds }
      : base;
  }

  /**
   * Bytes the request turned out to cost beyond what it was admitted for (what a gzip
   * body inflated to): taken whatever the buckets hold, so that the sender's next
   * requests wait for them.
   */
  chargeBytes(sender: Sender, bytes: number): void {
    if (bytes <= 0) return;
    const now = this.now();
    const key = this.buckets(this.keys, sender.key, 'key', now);
    const tenant = this.buckets(this.tenants, sender.tenantId, 'tenant', now);
    key.bytes.tokens -= bytes;
    tenant.bytes.tokens -= bytes;
  }

  private admit(sender: Sender, costs: readonly [Measure, number][]): Admission {
    const now = this.now();
    const tables = [
      ['key', this.buckets(this.keys, sender.key, 'key', now)],
      ['tenant', this.buckets(this.tenants, sender.tenantId, 'tenant', now)],
    ] as const;
    let worst: RateLimited | null = null;
    for (const [kind, buckets] of tables)
      for (const [measure, cost] of costs) {
        if (cost <= 0) continue;
        const rate = this.rate(kind, measure, sender);
        const wait = wouldWait(buckets[measure], rate, cost, now);
        if (wait > 0 && (worst === null || wait > worst.retryAfterSeconds))
          worst = {
            outcome: 'rate_limited',
            limit: `${kind}-${measure}` as LimitName,
            rate,
            retryAfterSeconds: wait,
          };
      }
    if (worst) return worst;
    for (const [kind, buckets] of tables)
      for (const [measure, cost] of costs)
        if (cost > 0) take(buckets[measure], this.rate(kind, measure, sender), cost, now);
    return { outcome: 'admitted' };
  }

  private buckets(table: Map<string, Buckets>, id: string, kind: 'key' | 'tenant', now: number): Buckets {
    let b = table.get(id);
    if (!b) {
      if (table.size >= SWEEP_ABOVE) this.sweep(table, kind, now);
      const rates = this.rates[kind];
      b = {
        requests: fullBucket(rates.requests, now),
        events: fullBucket(rates.events, now),
        bytes: fullBucket(rates.bytes, now),
      };
      table.set(id, b);
    }
    return b;
  }

  /** Drops the entries whose buckets have refilled: forgetting them changes nothing. */
  private sweep(table: Map<string, Buckets>, kind: 'key' | 'tenant', now: number): void {
    const rates = this.rates[kind];
    for (const [id, b] of table)
      if (MEASURES.every((m) => wouldWait(b[m], rates[m], rates[m].burst, now) === 0)) table.delete(id);
  }
}
