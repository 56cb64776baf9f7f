import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { bearerSecret, type KeyResolver } from '../../auth/authenticator.ts';
import type { App } from '../../catalog/catalog.port.ts';
import type { AppDirectory } from '../../catalog/app-directory.ts';
import { UsageHubError, problem } from '../../domain/errors.ts';
import { principalOf, requireRole } from '../../http/auth-hook.ts';
import { ingestRequest } from '../../http/ingest-request.ts';
import { errorHandler } from '../../http/error-handler.ts';
import { problemsFromAjv } from '../../http/problems.ts';
import { dialectAjv, documentedBodyCompiler } from '../../http/validator.ts';
import type { IngestPipeline } from '../../ingest/pipeline.ts';
import type { Metrics } from '../../ops/metrics.ts';
import type { SessionTypeRegistry } from './session-types.ts';
import { mapSessionEvents } from './sessions.mapping.ts';
import { SessionEvent, SessionEvents } from './sessions.schema.ts';
import { acceptedOrThrow } from '../../http/ingest-outcome.ts';
import { dataOf, paramsOf, v3Envelope, type Params } from './sessions.request.ts';

export interface SessionsDeps {
  auth: KeyResolver;
  apps: AppDirectory;
  types: SessionTypeRegistry;
  pipeline: IngestPipeline;
  metrics: Metrics;
}

const validateEvents = dialectAjv.compile(SessionEvents);

export const ACCEPTED = { APIVersion: 3, result: 1 } as const;

/**
 * The v3 events API: `POST /v3/events`, with `data=[…]` form-encoded (or JSON). The
 * authentication parameters travel with data: `key` (an ingest key; or an
 * `Authorization: Bearer` header) and `app` (the app's id or name; may be left out when
 * the tenant has one app).
 */
export const sessionsRoutes: FastifyPluginAsync<SessionsDeps> = async (fastify, deps) => {
  fastify.setErrorHandler(errorHandler(v3Envelope, (code, source) => deps.metrics.reject(code, source)));
  const keyOf = (req: FastifyRequest): string | null => {
    const key = paramsOf(req).key;
    return typeof key === 'string' && key !== '' ? key : bearerSecret(req.headers.authorization);
  };

  const appOf = async (req: FastifyRequest): Promise<App> => {
    const { tenantId } = principalOf(req);
    const given = paramsOf(req).app ?? (req.query as Params).app;
    if (given !== undefined) {
      const found = typeof given === 'string' ? (await deps.apps.lookup(tenantId))(given) : undefined;
      if (!found) {
        throw new UsageHubError('invalid_request', undefined, [
          problem('app', 'unknown_app', `app ${JSON.stringify(given)} does not exist`),
        ]);
      }
      return found;
    }
    const all = await deps.apps.list(tenantId);
    if (all.length === 1) return all[0]!;
    throw new UsageHubError('invalid_request', undefined, [
      problem('app', 'field_required', 'app is required: this tenant has several apps (or none)'),
    ]);
  };

  fastify.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v3/events',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Send START/UPDATE/END events (v3)',
        description:
          'application/x-www-form-urlencoded with data=[…] (a JSON array), key and app; or application/json ' +
          '{"data": […], "key", "app"}, or a bare array with Authorization: Bearer. See docs/sessions-v3.md.',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        querystring: Type.Object({ app: Type.Optional(Type.String()) }),
        // For the OpenAPI document: the three shapes the route takes. The handler reads
        // `data` from whichever came and validates each event itself (per-event problems).
        body: Type.Union([
          Type.Object(
            {
              data: Type.String({ description: 'Form-encoded: the events as a JSON array, [{…}].' }),
              key: Type.Optional(Type.String({ description: 'An ingest key (or Authorization: Bearer).' })),
              app: Type.Optional(Type.String({ description: 'The app, by id or name.' })),
            },
            { description: 'application/x-www-form-urlencoded' },
          ),
          Type.Object(
            { data: SessionEvents, key: Type.Optional(Type.String()), app: Type.Optional(Type.String()) },
            { description: 'application/json, with the parameters beside data' },
          ),
          Type.Array(SessionEvent, {
            description: 'application/json: the events alone (Authorization: Bearer)',
          }),
        ]),
        response: {
          200: Type.Object({ APIVersion: Type.Literal(3), result: Type.Literal(1) }),
          '4xx': Type.Object({
            APIVersion: Type.Literal(3),
            result: Type.Literal(0),
            error: Type.Object({
              code: Type.String(),
              message: Type.String(),
              details: Type.Array(Type.Unknown()),
            }),
          }),
        },
      },
      validatorCompiler: documentedBodyCompiler,
      // The key may be in the body, so it is checked once the body is parsed.
      preHandler: requireRole(deps.auth, 'ingest', keyOf),
      config: { ingestSource: 'sessions' },
    },
    async (req) => {
      const data = dataOf(req);
      const app = await appOf(req);
      const problems = validateEvents(data)
        ? []
        : problemsFromAjv((validateEvents.errors ?? []) as ErrorObject[], true);
      const invalid = new Set(problems.map((p) => p.index));
      const types = await deps.types.types(app.tenantId);
      const mapped = mapSessionEvents(data as SessionEvent[], app, types, Date.now(), (i) => !invalid.has(i));
      if (mapped.outcome === 'invalid') problems.push(...mapped.problems);
      if (problems.length > 0 || mapped.outcome === 'invalid') {
        problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
        throw new UsageHubError('validation_failed', undefined, problems);
      }
      acceptedOrThrow(await deps.pipeline.ingest(mapped.events, ingestRequest(req)));
      return ACCEPTED;
    },
  );
};
