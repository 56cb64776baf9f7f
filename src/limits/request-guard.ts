import type { FastifyRequest } from 'fastify';
import { UsageHubError } from '../domain/errors.ts';
import type { Metrics } from '../ops/metrics.ts';
import { AuthThrottle } from './auth-throttle.ts';
import { HashedBuckets, addressBlock } from './hashed-buckets.ts';
import type { GuardLedger } from './guard-ledger.port.ts';
import { rateLimitHeaders, type RateLimited } from './rate-limited.ts';
import type { Rate } from './token-bucket.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Key guessing and key-less work, per source address (limits/request-guard.ts); null where nothing guards (the CLI's local admin). */
    requestGuard: RequestGuard | null;
  }
}

/** How often a guard sharing its tables reads which slots wait. */
const POLL_MS = 1000;

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
  private readonly polling: NodeJS.Timeout | null = null;

  /**
   * With a `ledger` (the scale profile's Redis), failures and key-less requests are
   * counted across processes: slots keyed by the ledger's secret, failures told to it,
   * and the slots it says wait read back each second.
   */
  constructor(
    settings: GuardSettings,
    private readonly metrics: Metrics,
    private readonly now: () => number = Date.now,
    private readonly ledger: GuardLedger | null = null,
    secret?: Buffer,
  ) {
    this.throttle = new AuthThrottle(settings.authFailuresPerMinute, now, secret);
    this.unauthenticatedRate = {
      perSecond: settings.unauthenticatedPerSecond,
      burst: Math.max(5, settings.unauthenticatedPerSecond * 2),
    };
    this.unauthenticated = new HashedBuckets(this.unauthenticatedRate, 65_536, now, secret);
    if (ledger) {
      this.polling = setInterval(() => void this.poll(), POLL_MS);
      this.polling.unref();
    }
  }

  /**
   * A guard whose tables are shared through `ledger`. Without the ledger's secret at the
   * start (Redis unreachable), this process's guard counts alone until it restarts; a
   * ledger that fails later is passed over call by call.
   */
  static async shared(settings: GuardSettings, metrics: Metrics, ledger: GuardLedger): Promise<RequestGuard> {
    const secret = await ledger.secret().catch(() => undefined);
    return new RequestGuard(settings, metrics, Date.now, secret ? ledger : null, secret);
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
    if (found === null) {
      const slots = this.throttle.failed(req.ip, secret);
      // Counted here already; the ledger only widens it to the other processes.
      await this.ledger?.failed(slots, this.throttle.rate, this.now()).catch(() => {});
    }
    return found;
  }

  /** Takes one request from the address's budget of work done before any key is known, or throws 429. */
  async admitUnauthenticated(req: FastifyRequest): Promise<void> {
    const block = addressBlock(req.ip);
    const slot = { table: 'keyless', slot: this.unauthenticated.slotOf(block) };
    const wait = this.ledger
      ? await this.ledger
          .take(slot, this.unauthenticatedRate, this.now())
          .catch(() => this.unauthenticated.take(block))
      : this.unauthenticated.take(block);
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

  async close(): Promise<void> {
    if (this.polling) clearInterval(this.polling);
    await this.ledger?.close();
  }

  /** Reads the slots other processes put to wait. */
  private async poll(): Promise<void> {
    try {
      for (const w of await this.ledger!.waiting(this.now())) this.throttle.hold(w);
    } catch {
      // Redis away: each process counts alone until it answers again.
    }
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
