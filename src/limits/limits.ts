import type { Config } from '../config.ts';
import type { Metrics } from '../ops/metrics.ts';
import { IngestLimits } from './ingest-limits.ts';
import { RequestGuard } from './request-guard.ts';

/** The ingest limits the configuration sets. */
export const ingestLimits = (c: Config): IngestLimits =>
  new IngestLimits({
    keyRequestsPerSecond: c.limitKeyRequestsPerSecond,
    keyEventsPerSecond: c.limitKeyEventsPerSecond,
    keyBytesPerSecond: c.limitKeyBytesPerSecond,
    tenantRequestsPerSecond: c.limitTenantRequestsPerSecond,
    tenantEventsPerSecond: c.limitTenantEventsPerSecond,
    tenantBytesPerSecond: c.limitTenantBytesPerSecond,
    burstSeconds: c.limitBurstSeconds,
  });

/** The guard against key guessing and key-less work the configuration sets. */
export const requestGuard = (c: Config, metrics: Metrics): RequestGuard =>
  new RequestGuard(
    {
      authFailuresPerMinute: c.limitAuthFailuresPerMinute,
      unauthenticatedPerSecond: c.limitUnauthenticatedPerSecond,
    },
    metrics,
  );
