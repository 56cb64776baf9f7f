import type { FastifyRequest } from 'fastify';
import { UsageHubError } from '../domain/errors.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { IngestLimits, Sender } from './ingest-limits.ts';
import { rateLimitHeaders, type RateLimited } from './rate-limited.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The ingest rate limits (limits/ingest-limits.ts); null where nothing limits (the CLI's local admin). */
    ingestAdmission: IngestAdmission | null;
  }
  interface FastifyRequest {
    /** Who an admitted ingest request counts against, and the bytes it was admitted for. */
    limitSender: Sender | null;
    admittedBytes: number;
  }
}

/** The 429 a rate limit answers, in whichever envelope the route's dialect renders it. */
export function rateLimitedError(l: RateLimited): UsageHubError {
  return new UsageHubError(
    'rate_limited',
    `Over the ${l.limit} limit (${l.rate.perSecond} per second); nothing of this request was stored. Resend it after Retry-After seconds.`,
  ).withHeaders(rateLimitHeaders(l));
}

/**
 * Where ingest routes meet their limits: a request as soon as its key is known (its
 * count, and its size as sent), and what decoding made of its body once that is known.
 */
export class IngestAdmission {
  constructor(
    readonly limits: IngestLimits,
    private readonly metrics: Metrics,
  ) {}

  /** Admits the request for `sender`, or throws 429 rate_limited. */
  async request(req: FastifyRequest, sender: Sender): Promise<void> {
    const length = Number(req.headers['content-length']);
    const bytes = Number.isFinite(length) && length > 0 ? length : 0;
    const admission = await this.limits.admitRequest(sender, bytes);
    if (admission.outcome === 'rate_limited') {
      this.metrics.rateLimited(sender.tenantId, admission.limit);
      throw rateLimitedError(admission);
    }
    req.limitSender = sender;
    req.admittedBytes = bytes;
  }

  /**
   * Checks again, before a large body is worked on, that its sender is within its byte
   * rates (others of its bodies may have been charged since it was admitted); throws 429.
   */
  async recheck(req: FastifyRequest): Promise<void> {
    if (!req.limitSender) return;
    const admission = await this.limits.admitBytes(req.limitSender, 1);
    if (admission.outcome === 'rate_limited') {
      this.metrics.rateLimited(req.limitSender.tenantId, admission.limit);
      throw rateLimitedError(admission);
    }
  }

  /** Charges the bytes a body decoded to beyond what it was admitted for. */
  decoded(req: FastifyRequest, bytes: number): void {
    if (req.limitSender) this.limits.chargeBytes(req.limitSender, bytes - req.admittedBytes);
  }
}

/** Admits an ingest request through the server's limits, where there are any. */
export async function admitIngest(req: FastifyRequest, sender: Sender): Promise<void> {
  await req.server.ingestAdmission?.request(req, sender);
}

/** Charges a decoded body's size to the request's sender, where it was admitted. */
export function chargeDecoded(req: FastifyRequest, bytes: number): void {
  req.server.ingestAdmission?.decoded(req, bytes);
}
