import type { FastifyPluginAsync } from 'fastify';
import type { ValidateFunction } from 'ajv';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../../auth/authenticator.ts';
import type { Catalog } from '../../catalog/catalog.port.ts';
import type { AppDirectory } from '../../catalog/app-directory.ts';
import { UsageHubError, problem } from '../../domain/errors.ts';
import { principalOf, requireRole } from '../../http/auth-hook.ts';
import { ingestRequest } from '../../http/ingest-request.ts';
import { problemsFromAjv } from '../../http/problems.ts';
import { dialectAjv, documentedBodyCompiler } from '../../http/validator.ts';
import { ErrorResponse } from '../../http/schemas.ts';
import type { IngestPipeline } from '../../ingest/pipeline.ts';
import type { HitSnapshots } from './hit-snapshots.ts';
import type { HitRegistry } from './hit-registry.port.ts';
import { HIT_SCHEMAS, HIT_TYPES, isHitType, type HitType } from './hit-types.schema.ts';
import { mapHit, type Hit } from './hits.mapping.ts';
import { originResolver } from './hit-origin.ts';
import { acceptedOrThrow } from '../../http/ingest-outcome.ts';

export interface HitsDeps {
  auth: KeyResolver;
  catalog: Catalog;
  apps: AppDirectory;
  snapshots: HitSnapshots;
  registry: HitRegistry;
  pipeline: IngestPipeline;
}

/** Compiled once from the very objects the schema route serves. */
const VALIDATORS = Object.fromEntries(
  HIT_TYPES.map((t) => [t, dialectAjv.compile(HIT_SCHEMAS[t])]),
) as Record<HitType, ValidateFunction>;

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };

/** The statistic-hits API: `POST /api/stat/hits`, one hit per request. */
export const hitsRoutes: FastifyPluginAsync<HitsDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const resolveOrigin = originResolver(deps);

  app.post(
    '/api/stat/hits',
    {
      schema: {
        tags: ['hits'],
        summary: 'Record a statistic hit',
        description:
          'The body must match the schema of its type (GET /api/stat/hit-types/{TYPE}/schema). ' +
          'Answers 200 (the API answers HTTP OK) with the hit id; the same hit sent again gets the same id and is stored once. Needs an ingest key.',
        security,
        headers: Type.Object({
          'x-kpk-client-id': Type.Optional(
            Type.String({
              description: 'The user interface, instead of origin: its number, or an app id or name.',
            }),
          ),
        }),
        // For the OpenAPI document and generated clients: one schema per type. The
        // handler validates with the type's schema itself, to name the type's problems.
        body: {
          oneOf: HIT_TYPES.map((t) =>
            Object.fromEntries(Object.entries(HIT_SCHEMAS[t]).filter(([k]) => k !== '$schema')),
          ),
          discriminator: { propertyName: 'type' },
        },
        response: { 200: Type.Object({ id: Type.String() }), ...errors },
      },
      validatorCompiler: documentedBodyCompiler,
      onRequest: requireRole(deps.auth, 'ingest'),
      config: { ingestSource: 'hits' },
    },
    async (req, reply) => {
      const body = req.body as Record<string, unknown> | null;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new UsageHubError('invalid_body', 'The body must be one hit: a JSON object.');
      }
      if (!isHitType(body.type)) {
        throw new UsageHubError('validation_failed', undefined, [
          problem(
            'type',
            body.type === undefined ? 'field_required' : 'field_format',
            `type must be one of ${HIT_TYPES.join(', ')}`,
          ),
        ]);
      }
      const validate = VALIDATORS[body.type];
      if (!validate(body)) {
        throw new UsageHubError(
          'validation_failed',
          undefined,
          problemsFromAjv(validate.errors ?? [], false),
        );
      }
      const hit = body as Hit;
      const tenantId = principalOf(req).tenantId;
      const registry = await deps.snapshots.snapshot(tenantId);
      const { app: ui, origin } = await resolveOrigin(req, hit, registry);
      const mapped = mapHit(hit, ui, registry, origin, Date.now());
      if (mapped.outcome === 'invalid')
        throw new UsageHubError('validation_failed', undefined, mapped.problems);
      acceptedOrThrow(await deps.pipeline.ingest([mapped.event], ingestRequest(req)));
      // "A HTTP OK code indicates success of hit creation" (statistic-hits.txt): 200, not 201.
      return reply.status(200).send({ id: mapped.event.dedupKey });
    },
  );
};
