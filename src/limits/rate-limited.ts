import type { Rate } from './token-bucket.ts';

/** The limits a client can run into, as named in the RateLimit headers. */
export type LimitName =
  | 'key-requests'
  | 'key-events'
  | 'key-bytes'
  | 'tenant-requests'
  | 'tenant-events'
  | 'tenant-bytes'
  | 'address-unauthenticated'
  | 'address-failures'
  | 'key-prefix-failures';

/** A limit was reached: which, its rate, and how long until the request would pass. */
export interface RateLimited {
  outcome: 'rate_limited';
  limit: LimitName;
  rate: Rate;
  retryAfterSeconds: number;
}

/**
 * The answer's headers for a refusal: `Retry-After` (RFC 9110 §10.2.3) in whole seconds,
 * and the IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers): the policy — a
 * quota `q` over a window `w` seconds, here a token bucket's burst and the time it takes
 * to refill — and what remains `r` with the seconds `t` until it would pass.
 */
export function rateLimitHeaders(
  l: Pick<RateLimited, 'limit' | 'rate' | 'retryAfterSeconds'>,
): Record<string, string> {
  const wait = Math.max(1, Math.ceil(l.retryAfterSeconds));
  const window = Math.max(1, Math.ceil(l.rate.burst / l.rate.perSecond));
  return {
    'retry-after': String(wait),
    'ratelimit-policy': `"${l.limit}";q=${Math.floor(l.rate.burst)};w=${window}`,
    ratelimit: `"${l.limit}";r=0;t=${wait}`,
  };
}
