import { UsageHubError } from '../domain/errors.ts';
import type { LiveOutcome } from './live.service.ts';

/**
 * The one place where the Live service's outcomes become error codes (docs/errors.md):
 * the value when it went through, else the error the route answers with.
 */
export function liveValueOrThrow<T>(res: LiveOutcome<T>): T {
  switch (res.outcome) {
    case 'ok':
      return res.value;
    case 'endpoint_not_found':
      throw new UsageHubError('not_found', `live endpoint ${res.endpoint} does not exist`);
    case 'delivery_not_found':
      throw new UsageHubError('not_found', `delivery ${res.delivery} does not exist for this endpoint`);
    case 'not_verified':
      throw new UsageHubError('conflict', 'verify the endpoint first; it sends nothing yet');
    case 'invalid_input':
      throw new UsageHubError('invalid_request', undefined, res.problems);
  }
}
