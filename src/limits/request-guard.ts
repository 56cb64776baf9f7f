import type { FastifyRequest } from 'fastify';
import { UsageHubError } from '../domain/errors.ts';
import type { Metrics } from '../ops/metrics.ts';
import { AuthThrottle } from './auth-throttle.ts';
import { HashedBuckets, addressBlock } from './hashed-buckets.ts';
import { rateLimitHeaders, type RateLimited } from './rate-limited.ts';
import type { Rate } from './token-bucket.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Key guessing and key-less work, per source address (limits/request-guard.ts); null where nothing guards (the CLI's local admin). */
    requestGuard: RequestGuard | null;
  }
}

export interface GuardSettings {
  authFailuresPerMinute: number;
  unauthenticatedPerSecond: number;
}

/**
 * What stands before the work a request asks for while its key is not yet known good:
 * the throttle on failed authentications (every route that takes a key), and the budget
 * of requests an address may send whose key usagehub cannot check before reading the
 * body — a PostHog token or Segment writeKey not found where a client puts it.
 */
export class RequestGuard {
  private readonly throttle: AuthThrottle;
  private readonly unauthenticated: HashedBuckets;
  private readonly unauthenticatedRate: Rate;

  constructor(
    settings: GuardSettings,
    private readonly metrics: Metrics,
    now: () => number = Date.now,
  ) {
    this.throttle = new AuthThrottle(settings.authFailuresPerMinute, now);
    this.unauthenticatedRate = {
      perSecond: settings.unauthenticatedPerSecond,
      burst: Math.max(5, settings.unauthenticatedPerSecond * 2),
    };
    this.unauthenticated = new HashedBuckets(this.unauthenticatedRate, 65_536, now);
  }

  /**
   * Resolves `secret` unless its address or prefix has failed too often (429
   * too_many_attempts, whatever the key); a failure counts against both.
   */
  async authenticate<T>(
    req: FastifyRequest,
    secret: string,
    resolve: () => Promise<T | null>,
  ): Promise<T | null> {
    const refusal = this.throttle.refusal(req.ip, secret);
    if (refusal) throw this.refused(refusal, 'too_many_attempts');
    const found = await resolve();
    if (found === null) this.throttle.failed(req.ip, secret);
    return found;
  }

  /** Takes one request from the address's budget of work done before any key is known, or throws 429. */
  admitUnauthenticated(req: FastifyRequest): void {
    const wait = this.unauthenticated.take(addressBlock(req.ip));
    if (wait > 0)
      throw this.refused(
        {
          outcome: 'rate_limited',
          limit: 'address-unauthenticated',
          rate: this.unauthenticatedRate,
          retryAfterSeconds: wait,
        },
        'too_many_unauthenticated',
      );
  }

  private refused(l: RateLimited, code: 'too_many_attempts' | 'too_many_unauthenticated'): UsageHubError {
    this.metrics.rateLimited('', l.limit);
    const message =
      code === 'too_many_attempts'
        ? 'Too many failed authentications from this address or for keys like this one; wait Retry-After seconds.'
        : undefined;
    return new UsageHubError(code, message).withHeaders(rateLimitHeaders(l));
  }
}

/** Resolves a key through the server's guard, or directly where there is none. */
export function guardedAuthenticate<T>(
  req: FastifyRequest,
  secret: string,
  resolve: () => Promise<T | null>,
): Promise<T | null> {
  const guard = req.server.requestGuard;
  return guard ? guard.authenticate(req, secret, resolve) : resolve();
}
