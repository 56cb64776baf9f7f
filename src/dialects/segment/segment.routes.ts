import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { admitIngest, chargeDecoded } from '../../limits/ingest-admission.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ERRORS, UsageHubError } from '../../domain/errors.ts';
import type { EnrichmentDirectory } from '../../enrichment/enrichment-directory.ts';
import secureJson from 'secure-json-parse';
import { decodeUtf8, refuseDeepJson } from '../../http/body.ts';
import { ingestRequest } from '../../http/ingest-request.ts';
import { storeBudget } from '../../ingest/amplification.ts';
import { guardedAuthenticate } from '../../limits/request-guard.ts';
import { errorHandler } from '../../http/error-handler.ts';
import { acceptedOrThrow } from '../../http/ingest-outcome.ts';
import type { IngestPipeline } from '../../ingest/pipeline.ts';
import type { Metrics } from '../../ops/metrics.ts';
import type { WriteKeyPrincipal, WriteKeys } from '../../sources/write-keys.ts';
import { refuseForeignOrigin } from '../../sources/origins.ts';
import { writeKeyInText, writeKeyOf } from './segment.auth.ts';
import { segmentEnvelope, SegmentError, SegmentSuccess } from './segment.envelope.ts';
import { SEGMENT_LIMITS, SEGMENT_TYPES, type SegmentType } from './segment.limits.ts';
import { mapSegment } from './segment.mapping.ts';
import { settingsRoute } from './segment.settings.ts';

export interface SegmentDeps {
  writeKeys: WriteKeys;
  enrichment: EnrichmentDirectory;
  pipeline: IngestPipeline;
  metrics: Metrics;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The write key checked before the body was parsed (header, or found in the body's text), and whom it names. */
    segmentKey: { key: string; principal: WriteKeyPrincipal } | null;
  }
  interface FastifyContextConfig {
    /** Segment routes: the body limit, named in the error when a body passes it. */
    segmentLimit?: string;
  }
}

const Body = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'A Segment message, or `{"batch": [...], "context"?, "integrations"?, "writeKey"?}` on batch routes.',
});
const security = [{ basicWriteKey: [] }];

const unauthorized = () =>
  new UsageHubError(
    'unauthorized',
    'A valid write key is required: HTTP Basic with the write key as the user name, or writeKey in the body.',
  );

/**
 * Segment's HTTP Tracking API: `/v1/batch`, `/v1/track`, `/v1/identify`, `/v1/page`,
 * `/v1/screen`, `/v1/group`, `/v1/alias`, and the browser library's `/v1/b`, `/v1/t` …
 * `/v1/a`, which send their JSON as text/plain. The body is JSON whatever its
 * Content-Type, gzip'ed or not by its Content-Encoding (http/body.ts undoes it). A batch
 * is accepted whole or rejected whole.
 *
 * The key comes before the work: one in the Authorization header is checked before the
 * body is read; one in the body is found in its text and checked before the parse; a
 * body with no key at all takes from its address's budget for key-less requests.
 */
export const segmentRoutes: FastifyPluginAsync<SegmentDeps> = async (fastify, deps) => {
  fastify.setErrorHandler(errorHandler(segmentEnvelope, (code, source) => deps.metrics.reject(code, source)));
  fastify.removeAllContentTypeParsers();
  fastify.decorateRequest('segmentKey', null);
  const resolve = async (req: FastifyRequest, key: string) => {
    const principal = await guardedAuthenticate(req, key, () => deps.writeKeys.resolve(key));
    if (!principal) throw unauthorized();
    refuseForeignOrigin(req, principal.allowedOrigins);
    return principal;
  };
  fastify.addHook('onRequest', async (req) => {
    const key = writeKeyOf(req.headers.authorization, undefined);
    if (!key) return;
    req.segmentKey = { key, principal: await resolve(req, key) };
    await admitIngest(req, {
      tenantId: req.segmentKey.principal.tenantId,
      key: req.segmentKey.principal.sourceId,
    });
  });
  const parse = async (req: FastifyRequest, body: Buffer): Promise<unknown> => {
    req.bodyBytes = body.length;
    const text = decodeUtf8(body);
    if (!req.segmentKey) {
      const key = writeKeyInText(text);
      if (key) {
        req.segmentKey = { key, principal: await resolve(req, key) };
        await admitIngest(req, {
          tenantId: req.segmentKey.principal.tenantId,
          key: req.segmentKey.principal.sourceId,
        });
      } else await req.server.requestGuard?.admitUnauthenticated(req);
    }
    chargeDecoded(req, body.length);
    refuseDeepJson(text);
    try {
      return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch (err) {
      throw new UsageHubError('invalid_body', `${ERRORS.invalid_body.message} ${(err as Error).message}`);
    }
  };
  // Segment's API reads the body as JSON whatever its label: the browser library sends
  // text/plain, and Segment-protocol clients form-urlencoded (gzip'ed JSON) or nothing.
  // What is not JSON is refused by the parse (invalid_body).
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, parse);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  const ingest = async (
    req: FastifyRequest,
    body: Record<string, unknown>,
    routeType: SegmentType | null,
    browser: boolean,
  ) => {
    const writeKey = writeKeyOf(req.headers.authorization, body);
    if (!writeKey) throw unauthorized();
    const principal =
      req.segmentKey?.key === writeKey ? req.segmentKey.principal : await resolve(req, writeKey);
    const batch = routeType === null ? body.batch : [body];
    if (!Array.isArray(batch))
      throw new UsageHubError(
        'invalid_body',
        'The body must be {"batch": [...]}: batch is a list of messages.',
      );
    if (batch.length > SEGMENT_LIMITS.batchEvents) {
      throw new UsageHubError(
        'batch_too_large',
        `The batch has ${batch.length} messages; Segment's limit is ${SEGMENT_LIMITS.batchEvents} per batch.`,
      );
    }
    const shared = routeType === null ? { context: body.context, integrations: body.integrations } : {};
    refuseAmplifiedShare(shared, batch.length, req.bodyBytes);
    const mapped = mapSegment({
      messages: batch,
      shared,
      routeType,
      measureEach: req.bodyBytes > SEGMENT_LIMITS.eventBytes,
      principal,
      receivedAt: Date.now(),
      // The browser library leaves context.ip to the server, as Segment's does; a server
      // library's request comes from the application's host, which is nobody's address.
      requestIp: browser ? req.ip : undefined,
      enrichment: { ranges: await deps.enrichment.ranges(principal.tenantId) },
    });
    if (mapped.outcome === 'invalid')
      throw new UsageHubError('validation_failed', undefined, mapped.problems);
    acceptedOrThrow(await deps.pipeline.ingest(mapped.events, ingestRequest(req, principal.sourceId)));
    return { success: true as const };
  };

  const route = (url: string, routeType: SegmentType | null, summary: string, browser = false) => {
    const batch = routeType === null;
    app.post(
      url,
      {
        bodyLimit: batch ? SEGMENT_LIMITS.batchBytes : SEGMENT_LIMITS.eventBytes,
        schema: {
          tags: ['segment'],
          summary,
          description: `Segment HTTP Tracking API. Write key as the HTTP Basic user name, or writeKey in the body. See docs/segment.md.`,
          security,
          body: Body,
          response: { 200: SegmentSuccess, '4xx': SegmentError, '5xx': SegmentError },
        },
        config: {
          ingestSource: 'segment',
          segmentLimit: batch ? '500 KB per batch' : '32 KB per message',
          browserIngest: browser,
        },
      },
      async (req) => ingest(req, req.body, routeType, browser),
    );
  };
  settingsRoute(fastify, resolve);
  route('/v1/batch', null, 'Send a batch of Segment messages');
  route('/v1/b', null, 'Send a batch of Segment messages (browser library)', true);
  for (const [type, letter] of Object.entries(SEGMENT_TYPES) as [SegmentType, string][]) {
    route(`/v1/${type}`, type, `Send a Segment ${type} message`);
    route(`/v1/${letter}`, type, `Send a Segment ${type} message (browser library)`, true);
  }
};

/**
 * Segment merges a batch's own `context` and `integrations` into each of its messages,
 * and each event keeps what it was sent with: refused before any merge when the copies
 * alone would pass what a request of this size may store (ingest/amplification.ts) —
 * a 490 KB context on 1,000 messages would be half a gigabyte.
 */
function refuseAmplifiedShare(
  shared: { context?: unknown; integrations?: unknown },
  messages: number,
  bytes: number,
) {
  if (shared.context === undefined && shared.integrations === undefined) return;
  const copied = JSON.stringify(shared).length * messages;
  const budget = storeBudget(bytes, messages);
  if (copied > budget)
    throw new UsageHubError(
      'amplification_limit',
      `The batch's context and integrations, copied into each of its ${messages} messages, come to ${copied} characters; a request of ${bytes} bytes may store ${budget}. Send them in each message, or in smaller batches.`,
    );
}
