import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ValidateFunction } from 'ajv';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../../auth/authenticator.ts';
import type { App, Catalog } from '../../catalog/catalog.port.ts';
import type { AppDirectory } from '../../catalog/app-directory.ts';
import { UsageHubError, problem } from '../../domain/errors.ts';
import { principalOf, requireRole } from '../../http/auth-hook.ts';
import { problemsFromAjv } from '../../http/problems.ts';
import { dialectAjv, documentedBodyCompiler } from '../../http/validator.ts';
import { ErrorResponse } from '../../http/schemas.ts';
import type { IngestPipeline } from '../../ingest/pipeline.ts';
import type { HitSnapshots, HitRegistrySnapshot } from './hit-snapshots.ts';
import type { HitRegistry } from './hit-registry.port.ts';
import { HIT_SCHEMAS, HIT_TYPES, isHitType, type HitType } from './hit-schemas.ts';
import { mapHit, type Hit } from './hit.mapping.ts';
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

/** Third-party hits (origin -1) without a client id header are stored under this app. */
export const THIRD_PARTY_APP = 'third-party';
const CLIENT_ID_HEADER = 'x-kpk-client-id';

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };

/**
 * The statistic-hits API: hit-type schemas, `POST /api/stat/hits`, and the registries
 * hits refer to (user interfaces, users).
 */
export const hitsRoutes: FastifyPluginAsync<HitsDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/stat/hit-types/:type/schema',
    {
      schema: {
        tags: ['hits'],
        summary: 'The JSON Schema of a statistic-hit type',
        description: `Types: ${HIT_TYPES.join(', ')}. The schema POST /api/stat/hits enforces. No key needed.`,
        params: Type.Object({ type: Type.String() }),
        response: { 200: Type.Unknown(), ...errors },
      },
    },
    async (req, reply) => {
      const { type } = req.params;
      if (!isHitType(type)) {
        throw new UsageHubError('not_found', `No hit type ${type}; types: ${HIT_TYPES.join(', ')}.`);
      }
      return reply.type('application/schema+json').send(JSON.stringify(HIT_SCHEMAS[type]));
    },
  );

  /** The user interface (an app) a hit comes from: its origin, else the client id header. */
  const resolveOrigin = async (
    req: FastifyRequest,
    hit: Hit,
    registry: HitRegistrySnapshot,
  ): Promise<{ app: App; origin: number }> => {
    const tenantId = principalOf(req).tenantId;
    const header = req.headers[CLIENT_ID_HEADER];
    const clientId = typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
    const byClientId = async (): Promise<App> => {
      const found = /^-?\d+$/.test(clientId!)
        ? registry.origins.get(Number(clientId))
        : (await deps.apps.lookup(tenantId))(clientId!);
      if (!found) {
        throw new UsageHubError('validation_failed', undefined, [
          problem(
            'X-KPK-CLIENT-ID',
            'unknown_origin',
            `no user interface ${clientId} (GET /api/dam/user-interfaces)`,
          ),
        ]);
      }
      return found;
    };
    if (hit.origin === undefined) {
      if (clientId === undefined) {
        throw new UsageHubError('validation_failed', undefined, [
          problem('origin', 'field_required', 'origin, or the X-KPK-CLIENT-ID header, is required'),
        ]);
      }
      const found = await byClientId();
      return { app: found, origin: found.origin ?? -1 };
    }
    if (hit.origin === -1) {
      if (clientId !== undefined) return { app: await byClientId(), origin: -1 };
      return { app: await thirdPartyApp(tenantId), origin: -1 };
    }
    const found = registry.origins.get(hit.origin);
    if (!found) {
      throw new UsageHubError('validation_failed', undefined, [
        problem(
          'origin',
          'unknown_origin',
          `origin ${hit.origin} is not a user interface of GET /api/dam/user-interfaces, nor -1`,
        ),
      ]);
    }
    return { app: found, origin: hit.origin };
  };

  const thirdPartyApp = async (tenantId: string): Promise<App> => {
    const existing = (await deps.apps.lookup(tenantId))(THIRD_PARTY_APP);
    if (existing) return existing;
    const created = await deps.catalog.createApp(tenantId, THIRD_PARTY_APP);
    deps.apps.invalidate();
    if (created.outcome === 'created') return created.value;
    const raced = await deps.catalog.findApp(tenantId, THIRD_PARTY_APP);
    if (!raced) throw new Error('the third-party app vanished');
    return raced;
  };

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
      acceptedOrThrow(await deps.pipeline.ingest([mapped.event]));
      // "A HTTP OK code indicates success of hit creation" (statistic-hits.txt): 200, not 201.
      return reply.status(200).send({ id: mapped.event.dedupKey });
    },
  );

  const readers = requireRole(deps.auth, ['ingest', 'read']);
  app.get(
    '/api/dam/user-interfaces',
    {
      schema: {
        tags: ['hits'],
        summary: "The tenant's user interfaces: valid hit origins (and -1, third-party)",
        description:
          'An app becomes a user interface when given an origin number (usagehub apps set-origin).',
        security,
        response: {
          200: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), appId: Type.String() })),
          ...errors,
        },
      },
      onRequest: readers,
    },
    async (req) => {
      const apps = await deps.catalog.listApps(principalOf(req).tenantId);
      return apps
        .filter((a) => a.origin !== null)
        .map((a) => ({ id: a.origin!, name: a.name, appId: a.id }))
        .sort((a, b) => a.id - b.id);
    },
  );
  app.get(
    '/api/dam/users',
    {
      schema: {
        tags: ['hits'],
        summary: 'Users a hit may name by userId',
        security,
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.String(),
              firstName: Type.Union([Type.String(), Type.Null()]),
              lastName: Type.Union([Type.String(), Type.Null()]),
              email: Type.Union([Type.String(), Type.Null()]),
            }),
          ),
          ...errors,
        },
      },
      onRequest: readers,
    },
    async (req) => deps.registry.listUsers(principalOf(req).tenantId),
  );
};
