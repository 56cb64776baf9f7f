import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TokenService } from '../../auth/oauth/tokens.ts';
import type { AppDirectory } from '../../catalog/app-directory.ts';
import { UsageHubError, type Problem } from '../../domain/errors.ts';
import { clientOf, requireScope } from '../../http/auth-hook.ts';
import { ingestRequest } from '../../http/ingest-request.ts';
import { errorHandler } from '../../http/error-handler.ts';
import { problemsFromAjv } from '../../http/problems.ts';
import { dialectAjv } from '../../http/validator.ts';
import type { IngestPipeline } from '../../ingest/pipeline.ts';
import type { Metrics } from '../../ops/metrics.ts';
import { mapPushBatch } from './push.mapping.ts';
import { PUSH_MAX_EVENTS, PushBody, PushError, PushSuccess } from './push.schema.ts';
import { AppSchema } from '../../admin/admin.schema.ts';
import { acceptedOrThrow } from '../../http/ingest-outcome.ts';

export interface PushDeps {
  tokens: TokenService;
  apps: AppDirectory;
  pipeline: IngestPipeline;
  metrics: Metrics;
}

const security = [{ oauth2: ['connector.write'] }];

/** The push API's envelope: `{"success": false, "error": {code, message, details}}`. */
function pushEnvelope(e: UsageHubError) {
  const headers: Record<string, string> = {};
  if (e.code === 'invalid_token' || e.code === 'insufficient_scope') {
    // RFC 6750 §3: tell the client which kind of bearer failure this is.
    headers['www-authenticate'] = `Bearer realm="usagehub", error="${e.code}"`;
  }
  return {
    status: e.status,
    headers,
    body: {
      success: false,
      error: {
        code: e.code,
        message: e.message,
        details: e.details.map((p) => ({ index: p.index, field: p.field, reason: p.reason, code: p.code })),
      },
    },
  };
}

/**
 * The push usage-events API: `POST /services/push/v1/customer/apps/{id}/events` with
 * an OAuth access token holding connector.write. Only event names in the app's event
 * mapping are accepted; a batch is accepted whole or rejected whole.
 */
export const pushRoutes: FastifyPluginAsync<PushDeps> = async (fastify, deps) => {
  fastify.setErrorHandler(errorHandler(pushEnvelope, (code, source) => deps.metrics.reject(code, source)));
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const findApp = async (req: FastifyRequest, id: string) => {
    const found = (await deps.apps.lookup(clientOf(req).tenantId))(id);
    // Another tenant's app is as unknown as one that does not exist.
    if (!found) throw new UsageHubError('not_found', `No application instance ${id}.`);
    return found;
  };

  app.post(
    '/services/push/v1/customer/apps/:applicationInstanceId/events',
    {
      schema: {
        tags: ['push'],
        summary: 'Push usage events for an app',
        description: `Up to ${PUSH_MAX_EVENTS} events. Needs an access token with scope connector.write. See docs/push.md.`,
        security,
        params: Type.Object({ applicationInstanceId: Type.String() }),
        body: PushBody,
        response: { 200: PushSuccess, '4xx': PushError },
      },
      validatorCompiler: ({ schema }) => dialectAjv.compile(schema),
      // Schema problems are merged with the mapping's (unmapped names, Login without
      // targetApp) so that the client hears of every problem in one answer.
      attachValidation: true,
      onRequest: requireScope(deps.tokens, 'connector.write'),
      // The API's own example sends `events` as one object: a one-event batch. The
      // limit is checked before any event is validated.
      preValidation: async (req: FastifyRequest) => {
        const body = req.body as { events?: unknown } | null;
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
          throw new UsageHubError('invalid_body', 'The body must be a JSON object: {"events": [...]}.');
        }
        if (body.events !== null && typeof body.events === 'object' && !Array.isArray(body.events)) {
          body.events = [body.events];
        }
        if (Array.isArray(body.events) && body.events.length > PUSH_MAX_EVENTS) {
          throw new UsageHubError(
            'batch_too_large',
            `The request has ${body.events.length} events; at most ${PUSH_MAX_EVENTS} are accepted per request.`,
          );
        }
      },
      config: { ingestSource: 'push' },
    },
    async (req, reply: FastifyReply) => {
      const target = await findApp(req, req.params.applicationInstanceId);
      const problems: Problem[] = [];
      const invalid = new Set<number | undefined>();
      if (req.validationError) {
        const errors = req.validationError.validation as unknown as ErrorObject[];
        // `/events/3/email` is event 3's field `email`; anything else is the body's.
        const perEvent = errors
          .filter((e) => e.instancePath.startsWith('/events/'))
          .map((e) => ({ ...e, instancePath: e.instancePath.slice('/events'.length) }));
        const whole = errors.filter((e) => !e.instancePath.startsWith('/events/'));
        problems.push(...problemsFromAjv(whole, false), ...problemsFromAjv(perEvent, true));
        for (const p of problems) invalid.add(p.index);
        if (invalid.has(undefined)) throw new UsageHubError('validation_failed', undefined, problems);
      }
      const faults = new Set(problems.map((p) => `${p.index}:${p.field}`));
      const mapped = mapPushBatch(req.body.events, target, Date.now(), (i, field) =>
        field === undefined ? invalid.has(i) : faults.has(`${i}:${field}`),
      );
      if (mapped.outcome === 'invalid') problems.push(...mapped.problems);
      if (problems.length > 0 || mapped.outcome === 'invalid') {
        problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
        throw new UsageHubError('validation_failed', undefined, problems);
      }
      acceptedOrThrow(await deps.pipeline.ingest(mapped.events, ingestRequest(req)));
      return reply.send({ success: true as const });
    },
  );

  app.get(
    '/services/push/v1/customer/apps/:applicationInstanceId',
    {
      schema: {
        tags: ['push'],
        summary: "An app's definition and event mapping",
        description: 'Needs an access token with scope connector.read.',
        security: [{ oauth2: ['connector.read'] }],
        params: Type.Object({ applicationInstanceId: Type.String() }),
        response: { 200: AppSchema, '4xx': PushError },
      },
      onRequest: requireScope(deps.tokens, 'connector.read'),
    },
    async (req) => findApp(req, req.params.applicationInstanceId),
  );
};
