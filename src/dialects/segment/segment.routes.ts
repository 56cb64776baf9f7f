import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { UsageHubError } from '../../domain/errors.ts';
import type { EnrichmentDirectory } from '../../enrichment/enrichment-directory.ts';
import { strictJsonParser } from '../../http/body.ts';
import { errorHandler } from '../../http/error-handler.ts';
import { acceptedOrThrow } from '../../http/ingest-outcome.ts';
import type { IngestPipeline } from '../../ingest/pipeline.ts';
import type { Metrics } from '../../ops/metrics.ts';
import type { WriteKeys } from '../../sources/write-keys.ts';
import { writeKeyOf } from './segment.auth.ts';
import { segmentEnvelope, SegmentError, SegmentSuccess } from './segment.envelope.ts';
import { SEGMENT_LIMITS, SEGMENT_TYPES, type SegmentType } from './segment.limits.ts';
import { mapSegment } from './segment.mapping.ts';

export interface SegmentDeps {
  writeKeys: WriteKeys;
  enrichment: EnrichmentDirectory;
  pipeline: IngestPipeline;
  metrics: Metrics;
}

declare module 'fastify' {
  interface FastifyRequest {
    segmentBodyBytes: number;
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

/**
 * Segment's HTTP Tracking API: `/v1/batch`, `/v1/track`, `/v1/identify`, `/v1/page`,
 * `/v1/screen`, `/v1/group`, `/v1/alias`, and the browser library's `/v1/b`, `/v1/t` …
 * `/v1/a`, which send their JSON as text/plain. A batch is accepted whole or rejected whole.
 */
export const segmentRoutes: FastifyPluginAsync<SegmentDeps> = async (fastify, deps) => {
  fastify.setErrorHandler(errorHandler(segmentEnvelope, (code, source) => deps.metrics.reject(code, source)));
  fastify.removeAllContentTypeParsers();
  const json = strictJsonParser(fastify);
  // How large the body was (decompressed): when it is no larger than one message may be,
  // no message can be too large, and the per-message measure is skipped.
  fastify.decorateRequest('segmentBodyBytes', 0);
  const measured = (req: FastifyRequest, body: Buffer, done: (err: Error | null, v?: unknown) => void) => {
    req.segmentBodyBytes = body.length;
    json(req, body, done);
  };
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, measured);
  fastify.addContentTypeParser('text/plain', { parseAs: 'buffer' }, measured);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  const ingest = async (
    req: FastifyRequest,
    body: Record<string, unknown>,
    routeType: SegmentType | null,
    browser: boolean,
  ) => {
    const writeKey = writeKeyOf(req.headers.authorization, body);
    const principal = writeKey ? await deps.writeKeys.resolve(writeKey) : null;
    if (!principal) {
      throw new UsageHubError(
        'unauthorized',
        'A valid write key is required: HTTP Basic with the write key as the user name, or writeKey in the body.',
      );
    }
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
    const mapped = mapSegment({
      messages: batch,
      shared: routeType === null ? { context: body.context, integrations: body.integrations } : {},
      routeType,
      measureEach: req.segmentBodyBytes > SEGMENT_LIMITS.eventBytes,
      principal,
      receivedAt: Date.now(),
      // The browser library leaves context.ip to the server, as Segment's does; a server
      // library's request comes from the application's host, which is nobody's address.
      requestIp: browser ? req.ip : undefined,
      enrichment: { ranges: await deps.enrichment.ranges(principal.tenantId) },
    });
    if (mapped.outcome === 'invalid')
      throw new UsageHubError('validation_failed', undefined, mapped.problems);
    acceptedOrThrow(await deps.pipeline.ingest(mapped.events));
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
  route('/v1/batch', null, 'Send a batch of Segment messages');
  route('/v1/b', null, 'Send a batch of Segment messages (browser library)', true);
  for (const [type, letter] of Object.entries(SEGMENT_TYPES) as [SegmentType, string][]) {
    route(`/v1/${type}`, type, `Send a Segment ${type} message`);
    route(`/v1/${letter}`, type, `Send a Segment ${type} message (browser library)`, true);
  }
};
