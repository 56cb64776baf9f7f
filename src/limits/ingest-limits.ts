import type { BucketStore, BucketTake } from './bucket-store.port.ts';
import { LocalBucketStore } from './local-bucket-store.ts';
import type { LimitName, RateLimited } from './rate-limited.ts';
import type { LimitSettingsCache } from './limit-settings-cache.ts';
import type { QuotaExceeded } from './quotas.ts';
import type { Rate } from './token-bucket.ts';

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
type Rates = Record<Measure, Rate>;
const ADMITTED: Admission = { outcome: 'admitted' };

/**
 * Requests, bytes and events per second, per ingest key and per tenant (token buckets,
 * in this process or shared through Redis: limits/bucket-store.port.ts). A request is
 * admitted by its count and size as soon as its key is known — before its body is read
 * where the key rides in a header — and its events once they are counted; what decoding
 * made of its bytes is charged after. A refusal takes nothing from any bucket, so a
 * client that backs off loses nothing.
 */
export class IngestLimits {
  private readonly rates: Record<'key' | 'tenant', Rates>;
  private readonly burstSeconds: number;
  /** What tenants' admins set (limits module); before it is attached, the server's rates alone. */
  private settings: LimitSettingsCache | null = null;

  constructor(
    settings: IngestLimitSettings,
    private readonly buckets: BucketStore = new LocalBucketStore(),
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

  /** Tenants' own settings: lower rates for a tenant or a key, and quotas. */
  attach(settings: LimitSettingsCache): void {
    this.settings = settings;
  }

  /** One request of `bytes` bytes (as sent), or how long to wait. */
  admitRequest(sender: Sender, bytes: number): Promise<Admission> {
    return this.admit(sender, [
      ['requests', 1],
      ['bytes', bytes],
    ]);
  }

  /** `bytes` more bytes, or how long to wait. */
  admitBytes(sender: Sender, bytes: number): Promise<Admission> {
    return this.admit(sender, [['bytes', bytes]]);
  }

  /** `events` events, or how long to wait: for the rates, or for the tenant's quota. */
  async admitEvents(sender: Sender, events: number): Promise<EventAdmission> {
    const quota = this.settings?.quotas.admit(sender.tenantId, events);
    if (quota) return quota;
    return this.admit(sender, [['events', events]]);
  }

  /**
   * Bytes the request turned out to cost beyond what it was admitted for (what a gzip
   * body inflated to): taken whatever the buckets hold, so that the sender's next
   * requests wait for them. Not awaited: the request it belongs to goes on.
   */
  chargeBytes(sender: Sender, bytes: number): void {
    if (bytes <= 0) return;
    const now = this.now();
    for (const kind of ['key', 'tenant'] as const)
      void this.buckets
        .charge(this.bucketOf(kind, 'bytes', sender), this.rate(kind, 'bytes', sender), bytes, now)
        .catch(() => {});
  }

  /** New events the log took for the tenant: what its quotas count. */
  counted(tenantId: string, events: number): void {
    this.settings?.quotas.counted(tenantId, events);
  }

  close(): Promise<void> {
    return this.buckets.close();
  }

  private async admit(sender: Sender, costs: readonly [Measure, number][]): Promise<Admission> {
    const takes: BucketTake[] = [];
    const names: LimitName[] = [];
    for (const kind of ['key', 'tenant'] as const)
      for (const [measure, cost] of costs) {
        if (cost <= 0) continue;
        takes.push({
          bucket: this.bucketOf(kind, measure, sender),
          rate: this.rate(kind, measure, sender),
          cost,
        });
        names.push(`${kind}-${measure}`);
      }
    const refused = await this.buckets.take(takes, this.now());
    if (!refused) return ADMITTED;
    return {
      outcome: 'rate_limited',
      limit: names[refused.index]!,
      rate: takes[refused.index]!.rate,
      retryAfterSeconds: refused.wait,
    };
  }

  private bucketOf(kind: 'key' | 'tenant', measure: Measure, sender: Sender): string {
    return kind === 'key'
      ? `k:${sender.tenantId}:${sender.key}:${measure}`
      : `t:${sender.tenantId}:${measure}`;
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
}
