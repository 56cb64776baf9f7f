import { UsageHubError } from '../domain/errors.ts';
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
    case 'log_unavailable':
      throw new UsageHubError('log_unavailable', undefined, [], { cause: res.cause });
  }
}
