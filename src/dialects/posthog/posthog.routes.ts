import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { admitIngest, chargeDecoded } from '../../limits/ingest-admission.ts';
import { Type } from 'typebox';
import { UsageHubError } from '../../domain/errors.ts';
import type { EnrichmentDirectory } from '../../enrichment/enrichment-directory.ts';
import { assertCanonical, parseJsonBody } from '../../http/body.ts';
import { LARGE_BATCH_EVENTS, LARGE_BODY_BYTES, Turns } from '../../threads/turns.ts';
import { mapInTurns } from '../../ingest/map-in-turns.ts';
import { enterLargeBody } from '../../http/large-bodies.ts';
import { ingestRequest } from '../../http/ingest-request.ts';
import { guardedAuthenticate } from '../../limits/request-guard.ts';
import { errorHandler } from '../../http/error-handler.ts';
import { acceptedOrThrow } from '../../http/ingest-outcome.ts';
import type { IngestPipeline } from '../../ingest/pipeline.ts';
import type { Metrics } from '../../ops/metrics.ts';
import type { WriteKeyPrincipal, WriteKeys } from '../../sources/write-keys.ts';
import { unwrap, unwrapHead, type Wrapped } from './posthog.decode.ts';
import { posthogEnvelope, PostHogError, PostHogSuccess } from './posthog.envelope.ts';
import { POSTHOG_LIMITS } from './posthog.limits.ts';
import { refuseForeignOrigin } from '../../sources/origins.ts';
import { flagRoutes } from './posthog.flags.ts';
import { mapPostHog, readCapture } from './posthog.mapping.ts';

export interface PostHogDeps {
  writeKeys: WriteKeys;
  enrichment: EnrichmentDirectory;
  pipeline: IngestPipeline;
  metrics: Metrics;
  /** Events per request, as for every dialect (USAGEHUB_MAX_BATCH_EVENTS). */
  maxBatchEvents: number;
}

/** The capture routes, each also with a trailing slash (what posthog-js calls); GET on all but /batch. */
const PATHS = ['/batch', '/capture', '/e', '/i/v0/e', '/track'] as const;

const Query = Type.Object(
  {
    compression: Type.Optional(Type.String({ maxLength: 20 })),
    data: Type.Optional(Type.String()),
    api_key: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: true },
);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const isSingle = (v: unknown) =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  !Array.isArray((v as { batch?: unknown }).batch);

declare module 'fastify' {
  interface FastifyRequest {
    /** The project token checked before the payload was decoded whole, and whom it names. */
    posthogKey: { key: string; principal: WriteKeyPrincipal } | null;
  }
}

/** How much of a payload is decoded to look for its token before the rest: posthog-js puts it in the first event's properties, the server libraries first. */
const HEAD_CHARS = 64 * 1024;
/** A body from this size, as sent, goes through the gate before it is inflated: compressed, it may hold 20 MB. */
const LARGE_WRAPPED_BYTES = 64 * 1024;
const TOKEN_IN_TEXT = /"(?:api_key|token|\$token)"\s*:\s*"([^"\\]{1,200})"/;

const wrappedOf = (req: FastifyRequest, body: Buffer): Wrapped => ({
  body,
  contentType: req.headers['content-type'],
  contentEncoding: req.headers['content-encoding'],
  query: req.query as Record<string, unknown>,
});

/**
 * A request's payload: unwrapped (posthog.decode.ts) to the JSON it carries, parsed as
 * Fastify parses JSON (`__proto__` refused) — a large one in turns (http/large-json.ts);
 * one event alone may be 2 MB.
 */
async function payloadOf(req: FastifyRequest, wrapped: Wrapped): Promise<unknown> {
  const turns = new Turns();
  const text = await unwrap(wrapped, turns);
  // Through the gate before the decoded size is charged: the gate checks the byte rate again.
  if (text.length >= LARGE_BODY_BYTES) await enterLargeBody(req);
  req.bodyBytes = text.length;
  chargeDecoded(req, text.length);
  const value = await parseJsonBody(req, text, turns);
  if (isSingle(value) && Buffer.byteLength(text) > POSTHOG_LIMITS.eventBytes)
    throw new UsageHubError('body_too_large', 'One event alone may be at most 2 MB; this one is larger.');
  return value;
}

const unauthorized = (token: string | null) =>
  new UsageHubError(
    'unauthorized',
    token
      ? 'Project API key invalid: it is not the write key of a posthog source.'
      : 'Project API key missing: send it as api_key, token or $token.',
  );

/**
 * PostHog's capture API: `/batch`, `/capture`, `/e`, `/i/v0/e`, `/track`. The project
 * token is a posthog source's write key. A batch is accepted whole or rejected whole.
 *
 * The key comes before the work: the token is looked for in the query string and in the
 * first 64 KB of the decoded payload, and checked, before the payload is decoded whole
 * and parsed; a request whose head names no token takes from its address's budget for
 * key-less requests.
 */
export const posthogRoutes: FastifyPluginAsync<PostHogDeps> = async (fastify, deps) => {
  fastify.setErrorHandler(errorHandler(posthogEnvelope, (code, source) => deps.metrics.reject(code, source)));
  fastify.removeAllContentTypeParsers();
  fastify.decorateRequest('posthogKey', null);
  const resolve = async (req: FastifyRequest, token: string) => {
    const principal = await guardedAuthenticate(req, token, () => deps.writeKeys.resolve(token));
    if (!principal) throw unauthorized(token);
    refuseForeignOrigin(req, principal.allowedOrigins);
    return principal;
  };
  const keyFirst = async (req: FastifyRequest, wrapped: Wrapped): Promise<void> => {
    const token =
      str(wrapped.query.api_key) ?? TOKEN_IN_TEXT.exec(await unwrapHead(wrapped, HEAD_CHARS))?.[1] ?? null;
    if (!token) return req.server.requestGuard?.admitUnauthenticated(req);
    const principal = await resolve(req, token);
    req.posthogKey = { key: token, principal };
    await admitIngest(req, { tenantId: principal.tenantId, key: principal.sourceId });
  };
  const read = async (req: FastifyRequest, body: Buffer): Promise<unknown> => {
    const wrapped = wrappedOf(req, body);
    await keyFirst(req, wrapped);
    // A large body is worked on through the gate (http/large-bodies.ts): one sent large
    // before it is inflated, one that inflated large before it is parsed.
    if (body.length >= LARGE_WRAPPED_BYTES) await enterLargeBody(req);
    return payloadOf(req, wrapped);
  };
  // Every content type is read as bytes: posthog-js sends gzip as text/plain, old clients forms.
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, read);

  const capture = async (req: FastifyRequest, payload: unknown) => {
    const read = readCapture(payload);
    if (!read)
      throw new UsageHubError(
        'invalid_body',
        'The payload must be an event, a list of events, or {"batch": [...]}.',
      );
    const query = req.query as { api_key?: string };
    const token = read.token ?? query.api_key ?? null;
    if (!token) throw unauthorized(null);
    const principal = req.posthogKey?.key === token ? req.posthogKey.principal : await resolve(req, token);
    if (read.events.length > deps.maxBatchEvents) {
      throw new UsageHubError(
        'batch_too_large',
        `The batch has ${read.events.length} events; at most ${deps.maxBatchEvents} are accepted per request.`,
      );
    }
    const mapping = (events: unknown[]) =>
      mapPostHog({
        capture: { events, token: read.token },
        principal,
        receivedAt,
        requestIp: req.ip,
        enrichment,
      });
    const receivedAt = Date.now();
    const enrichment = { ranges: await deps.enrichment.ranges(principal.tenantId) };
    // A large batch is mapped in turns, as it was parsed.
    const mapped =
      read.events.length >= LARGE_BATCH_EVENTS
        ? await mapInTurns(read.events, mapping, new Turns())
        : mapping(read.events);
    if (mapped.outcome === 'invalid')
      throw new UsageHubError('validation_failed', undefined, mapped.problems);
    acceptedOrThrow(await deps.pipeline.ingest(mapped.events, ingestRequest(req, principal.sourceId)));
    return { status: 'Ok' as const };
  };

  const schema = (summary: string) => ({
    tags: ['posthog'],
    summary,
    description:
      'PostHog capture API: JSON, gzip, lz64 or base64, or the form field data=. The project token (a posthog source write key) as api_key, token or $token. See docs/posthog.md.',
    security: [{ bodyToken: [] }],
    querystring: Query,
    response: { 200: PostHogSuccess, '4xx': PostHogError, '5xx': PostHogError },
  });
  for (const path of PATHS) {
    for (const url of [path, `${path}/`]) {
      fastify.post(
        url,
        {
          bodyLimit: POSTHOG_LIMITS.batchBytes,
          // The body's Content-Encoding is undone with the rest of its wrapping (posthog.decode.ts).
          decompress: false,
          schema: schema('Capture events'),
          config: { ingestSource: 'posthog', browserIngest: true },
        },
        async (req) => {
          if (req.body === undefined) throw new UsageHubError('invalid_body', 'The request has no payload.');
          return capture(req, req.body);
        },
      );
      if (path === '/batch') continue;
      fastify.get(
        url,
        {
          schema: schema('Capture events (legacy: the payload in ?data=)'),
          config: { ingestSource: 'posthog', browserIngest: true },
        },
        async (req) => {
          const payload = await read(req, Buffer.alloc(0));
          assertCanonical(payload, 'body');
          return capture(req, payload);
        },
      );
    }
  }
  flagRoutes(fastify, resolve);
};
