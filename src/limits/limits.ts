import type { Config } from '../config.ts';
import type { Metrics } from '../ops/metrics.ts';
import { IngestLimits } from './ingest-limits.ts';
import type { BucketStore } from './bucket-store.port.ts';
import { LocalBucketStore } from './local-bucket-store.ts';
import { RedisBucketStore } from './redis-bucket-store.ts';
import { RedisGuardLedger } from './redis-guard-ledger.ts';
import { RequestGuard } from './request-guard.ts';

/** The ingest limits the configuration sets. */
export const ingestLimits = (c: Config, buckets?: BucketStore): IngestLimits =>
  new IngestLimits(
    {
      keyRequestsPerSecond: c.limitKeyRequestsPerSecond,
      keyEventsPerSecond: c.limitKeyEventsPerSecond,
      keyBytesPerSecond: c.limitKeyBytesPerSecond,
      tenantRequestsPerSecond: c.limitTenantRequestsPerSecond,
      tenantEventsPerSecond: c.limitTenantEventsPerSecond,
      tenantBytesPerSecond: c.limitTenantBytesPerSecond,
      burstSeconds: c.limitBurstSeconds,
    },
    buckets,
  );

/** Where the rate limits' buckets live: Redis when configured (shared by every ingest process), else this process. */
export async function bucketStore(c: Config, onFallback: (err: Error) => void): Promise<BucketStore> {
  return c.redis ? RedisBucketStore.open(c.redis, { onFallback }) : new LocalBucketStore();
}

/**
 * The guard against key guessing and key-less work the configuration sets: its tables
 * shared through Redis when configured (every ingest process counts the same failures),
 * else this process's own.
 */
export async function requestGuard(c: Config, metrics: Metrics): Promise<RequestGuard> {
  const settings = {
    authFailuresPerMinute: c.limitAuthFailuresPerMinute,
    unauthenticatedPerSecond: c.limitUnauthenticatedPerSecond,
  };
  return c.redis
    ? RequestGuard.shared(settings, metrics, await RedisGuardLedger.open(c.redis))
    : new RequestGuard(settings, metrics);
}
