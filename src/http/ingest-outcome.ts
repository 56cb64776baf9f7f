import { UsageHubError } from '../domain/errors.ts';
import { rateLimitedError } from '../limits/ingest-admission.ts';
import type { Accepted, IngestOutcome } from '../ingest/pipeline.ts';

/**
 * What every ingest route does with the pipeline's outcome: the counts when the batch
 * is durable, else the documented error (`validation_failed`: nothing stored;
 * `log_unavailable`: nothing acknowledged), which the dialect renders in its envelope.
 */
export function acceptedOrThrow(res: IngestOutcome): Accepted {
  switch (res.outcome) {
    case 'accepted':
      return res;
    case 'invalid':
      throw new UsageHubError('validation_failed', undefined, res.problems);
    case 'amplified':
      throw new UsageHubError(
        'amplification_limit',
        `What this request would store passes ${res.budget} characters, the bound for a request of its size (docs/operations.md); put batch-level fields in fewer, smaller batches.`,
      );
    case 'rate_limited':
      throw rateLimitedError(res);
    case 'quota_exceeded':
      throw new UsageHubError(
        'quota_exceeded',
        `The tenant's quota of ${res.quota} events per ${res.period} (UTC) is used up; nothing of this request was stored. It renews in ${Math.ceil(res.retryAfterSeconds)} seconds.`,
      ).withHeaders({ 'retry-after': String(Math.max(1, Math.ceil(res.retryAfterSeconds))) });
    case 'log_unavailable':
      throw new UsageHubError('log_unavailable', undefined, [], { cause: res.cause });
  }
}
