import { fullBucket, take, wouldWait, type BucketState, type Rate } from './token-bucket.ts';
import type { LimitName, RateLimited } from './rate-limited.ts';

/** The rates every ingest key and every tenant gets (config.ts: USAGEHUB_LIMIT_*). */
export interface IngestLimitSettings {
  keyRequestsPerSecond: number;
  keyEventsPerSecond: number;
  tenantRequestsPerSecond: number;
  tenantEventsPerSecond: number;
  /** How many seconds' worth of each rate a bucket holds: the burst a quiet client may send at once. */
  burstSeconds: number;
}

/** Who sends: the tenant, and the credential (an API key's id, a write key's source, an OAuth client). */
export interface Sender {
  tenantId: string;
  key: string;
}

export type Admission = { outcome: 'admitted' } | RateLimited;

interface Buckets {
  requests: BucketState;
  events: BucketState;
}

/** Entries kept before idle ones (full buckets, which say nothing) are swept. */
const SWEEP_ABOVE = 10_000;

/**
 * Requests and events per second, per ingest key and per tenant (token buckets). A batch
 * is admitted whole or refused whole, and a refusal takes nothing from any bucket, so a
 * client that backs off loses nothing. Only keys that authenticated reach here, so the
 * tables grow with the catalog, not with what strangers send.
 */
export class IngestLimits {
  private readonly keys = new Map<string, Buckets>();
  private readonly tenants = new Map<string, Buckets>();
  private readonly rates: Record<'key' | 'tenant', { requests: Rate; events: Rate }>;

  constructor(
    settings: IngestLimitSettings,
    private readonly now: () => number = Date.now,
  ) {
    const rate = (perSecond: number): Rate => ({ perSecond, burst: perSecond * settings.burstSeconds });
    this.rates = {
      key: { requests: rate(settings.keyRequestsPerSecond), events: rate(settings.keyEventsPerSecond) },
      tenant: {
        requests: rate(settings.tenantRequestsPerSecond),
        events: rate(settings.tenantEventsPerSecond),
      },
    };
  }

  /** Takes one request and `events` events from the sender's key and tenant, or says how long to wait. */
  admit(sender: Sender, events: number): Admission {
    const now = this.now();
    const key = this.buckets(this.keys, sender.key, 'key', now);
    const tenant = this.buckets(this.tenants, sender.tenantId, 'tenant', now);
    const checks: [BucketState, Rate, number, LimitName][] = [
      [key.requests, this.rates.key.requests, 1, 'key-requests'],
      [key.events, this.rates.key.events, events, 'key-events'],
      [tenant.requests, this.rates.tenant.requests, 1, 'tenant-requests'],
      [tenant.events, this.rates.tenant.events, events, 'tenant-events'],
    ];
    let worst: RateLimited | null = null;
    for (const [state, rate, cost, name] of checks) {
      if (cost === 0) continue;
      const wait = wouldWait(state, rate, cost, now);
      if (wait > 0 && (worst === null || wait > worst.retryAfterSeconds))
        worst = { outcome: 'rate_limited', limit: name, rate, retryAfterSeconds: wait };
    }
    if (worst) return worst;
    for (const [state, rate, cost] of checks) if (cost > 0) take(state, rate, cost, now);
    return { outcome: 'admitted' };
  }

  private buckets(table: Map<string, Buckets>, id: string, kind: 'key' | 'tenant', now: number): Buckets {
    let b = table.get(id);
    if (!b) {
      if (table.size >= SWEEP_ABOVE) this.sweep(table, kind, now);
      b = {
        requests: fullBucket(this.rates[kind].requests, now),
        events: fullBucket(this.rates[kind].events, now),
      };
      table.set(id, b);
    }
    return b;
  }

  /** Drops the entries whose buckets have refilled: forgetting them changes nothing. */
  private sweep(table: Map<string, Buckets>, kind: 'key' | 'tenant', now: number): void {
    const rates = this.rates[kind];
    for (const [id, b] of table)
      if (
        wouldWait(b.requests, rates.requests, rates.requests.burst, now) === 0 &&
        wouldWait(b.events, rates.events, rates.events.burst, now) === 0
      )
        table.delete(id);
  }
}
