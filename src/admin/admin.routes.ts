import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Authenticator } from '../auth/authenticator.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { UsageHubError } from '../domain/errors.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { AdminService } from './admin.service.ts';
import {
  AppSchema,
  CategorySchema,
  CreatedClientSchema,
  CreatedKeySchema,
  HitUserSchema,
  KeySchema,
  MediaSchema,
  Name,
  OAuthClientSchema,
  RoleSchema,
  ScopeSchema,
  TenantSchema,
} from './admin.schema.ts';

export interface AdminDeps {
  auth: Authenticator;
  admin: AdminService;
}

const errors = { '4xx': ErrorResponse };
const security = [{ bearer: [] }];

/**
 * The admin REST API: the caller's tenant, its apps and their event mappings, its API
 * keys and OAuth clients. Admin keys only.
 */
export const adminRoutes: FastifyPluginAsync<AdminDeps> = async (fastify, { auth, admin }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));
  const tenantOf = (req: Parameters<typeof principalOf>[0]) => principalOf(req).tenantId;

  app.get(
    '/v1/tenant',
    {
      schema: {
        tags: ['admin'],
        summary: 'Your tenant',
        security,
        response: { 200: TenantSchema, ...errors },
      },
    },
    async (req) => admin.tenant(tenantOf(req)),
  );
  app.patch(
    '/v1/tenant',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rename your tenant',
        security,
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 200: TenantSchema, ...errors },
      },
    },
    async (req) => admin.renameTenant(tenantOf(req), req.body.name),
  );

  app.get(
    '/v1/apps',
    {
      schema: {
        tags: ['admin'],
        summary: 'List apps',
        security,
        response: { 200: Type.Object({ apps: Type.Array(AppSchema) }), ...errors },
      },
    },
    async (req) => ({ apps: await admin.listApps(tenantOf(req)) }),
  );
  app.post(
    '/v1/apps',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an app',
        description:
          'An app is one application instance that sends events. Its name is unique in the tenant.',
        security,
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 201: AppSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await admin.createApp(tenantOf(req), req.body.name)),
  );
  app.get(
    '/v1/apps/:app',
    {
      schema: {
        tags: ['admin'],
        summary: 'One app, by id or name',
        security,
        params: Type.Object({ app: Type.String() }),
        response: { 200: AppSchema, ...errors },
      },
    },
    async (req) => admin.app(tenantOf(req), req.params.app),
  );
  app.patch(
    '/v1/apps/:app',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rename an app, or make it a user interface (hit origin)',
        security,
        params: Type.Object({ app: Type.String() }),
        body: Type.Object(
          {
            name: Type.Optional(Name),
            origin: Type.Optional(
              Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
                description: 'Its number as a hit origin; null to remove it.',
              }),
            ),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: AppSchema, ...errors },
      },
    },
    async (req) => {
      let found = await admin.app(tenantOf(req), req.params.app);
      if (req.body.name !== undefined) found = await admin.renameApp(tenantOf(req), found.id, req.body.name);
      if (req.body.origin !== undefined)
        found = await admin.setAppOrigin(tenantOf(req), found.id, req.body.origin);
      return found;
    },
  );

  app.get(
    '/v1/keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'List API keys (never their secrets)',
        security,
        response: { 200: Type.Object({ keys: Type.Array(KeySchema) }), ...errors },
      },
    },
    async (req) => ({ keys: await admin.listKeys(tenantOf(req)) }),
  );
  app.post(
    '/v1/keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an API key',
        description: 'The secret is in this response only; store it now.',
        security,
        body: Type.Object({ role: RoleSchema, name: Type.Optional(Name) }, { additionalProperties: false }),
        response: { 201: CreatedKeySchema, ...errors },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await admin.createKey(tenantOf(req), req.body.role, req.body.name ?? req.body.role)),
  );
  app.delete(
    '/v1/keys/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key',
        description:
          'Takes effect at once on this server; other processes stop accepting it within 5 seconds.',
        security,
        params: Type.Object({ id: Type.String() }),
        response: { 200: KeySchema, ...errors },
      },
    },
    async (req) => admin.revokeKey(tenantOf(req), req.params.id),
  );

  const mappingParams = Type.Object({
    app: Type.String(),
    eventName: Type.String({ minLength: 1, maxLength: 256 }),
  });
  app.put(
    '/v1/apps/:app/event-mappings/:eventName',
    {
      schema: {
        tags: ['admin'],
        summary: 'Map an event name to a category (add or change)',
        description: 'Dialects that require a mapping (push) accept only mapped event names.',
        security,
        params: mappingParams,
        body: Type.Object({ category: CategorySchema }, { additionalProperties: false }),
        response: { 200: AppSchema, ...errors },
      },
    },
    async (req) => admin.mapEvent(tenantOf(req), req.params.app, req.params.eventName, req.body.category),
  );
  app.delete(
    '/v1/apps/:app/event-mappings/:eventName',
    {
      schema: {
        tags: ['admin'],
        summary: 'Remove an event name from the mapping',
        description: 'Events already stored keep their category.',
        security,
        params: mappingParams,
        response: { 200: AppSchema, ...errors },
      },
    },
    async (req) => admin.unmapEvent(tenantOf(req), req.params.app, req.params.eventName),
  );

  app.get(
    '/v1/oauth-clients',
    {
      schema: {
        tags: ['admin'],
        summary: 'List OAuth clients (never their secrets)',
        security,
        response: { 200: Type.Object({ clients: Type.Array(OAuthClientSchema) }), ...errors },
      },
    },
    async (req) => ({ clients: await admin.listOAuthClients(tenantOf(req)) }),
  );
  app.post(
    '/v1/oauth-clients',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an OAuth client (client credentials grant)',
        description: 'The client_secret is in this response only; store it now.',
        security,
        body: Type.Object(
          { name: Name, scopes: Type.Array(ScopeSchema, { minItems: 1 }) },
          { additionalProperties: false },
        ),
        response: { 201: CreatedClientSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await admin.createOAuthClient(tenantOf(req), req.body.name, req.body.scopes)),
  );
  app.delete(
    '/v1/oauth-clients/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke an OAuth client and every token it holds',
        description:
          'Takes effect at once on this server; other processes stop accepting its tokens within 5 seconds.',
        security,
        params: Type.Object({ id: Type.String() }),
        response: { 200: OAuthClientSchema, ...errors },
      },
    },
    async (req) => admin.revokeOAuthClient(tenantOf(req), req.params.id),
  );

  const ok = Type.Object({ ok: Type.Literal(true) });
  app.get(
    '/v1/hit-users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Users statistic hits may name (GET /api/dam/users)',
        security,
        response: { 200: Type.Object({ users: Type.Array(HitUserSchema) }), ...errors },
      },
    },
    async (req) => ({ users: await admin.listHitUsers(tenantOf(req)) }),
  );
  app.put(
    '/v1/hit-users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Add a user, or replace what is known of it',
        security,
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
        body: Type.Object(
          {
            firstName: Type.Optional(Type.String({ maxLength: 256 })),
            lastName: Type.Optional(Type.String({ maxLength: 256 })),
            email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: HitUserSchema, ...errors },
      },
    },
    async (req) =>
      admin.putHitUser(tenantOf(req), {
        id: req.params.id,
        firstName: req.body.firstName ?? null,
        lastName: req.body.lastName ?? null,
        email: req.body.email ?? null,
      }),
  );
  app.delete(
    '/v1/hit-users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Remove a user',
        security,
        params: Type.Object({ id: Type.String() }),
        response: { 200: ok, ...errors },
      },
    },
    async (req) => {
      await admin.removeHitUser(tenantOf(req), req.params.id);
      return { ok: true as const };
    },
  );
  app.get(
    '/v1/medias',
    {
      schema: {
        tags: ['admin'],
        summary: 'Media metadata (kind, length) for the rules on play hits',
        security,
        response: { 200: Type.Object({ medias: Type.Array(MediaSchema) }), ...errors },
      },
    },
    async (req) => ({ medias: await admin.listMedias(tenantOf(req)) }),
  );
  app.put(
    '/v1/medias/:id',
    {
      schema: {
        tags: ['admin'],
        summary: "Add a media's metadata, or replace it",
        security,
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
        body: Type.Object(
          {
            kind: MediaSchema.properties.kind,
            durationSeconds: Type.Optional(Type.Number({ minimum: 0 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: MediaSchema, ...errors },
      },
    },
    async (req) =>
      admin.putMedia(tenantOf(req), {
        id: req.params.id,
        kind: req.body.kind,
        durationSeconds: req.body.durationSeconds ?? null,
      }),
  );
  app.delete(
    '/v1/medias/:id',
    {
      schema: {
        tags: ['admin'],
        summary: "Remove a media's metadata",
        security,
        params: Type.Object({ id: Type.String() }),
        response: { 200: ok, ...errors },
      },
    },
    async (req) => {
      await admin.removeMedia(tenantOf(req), req.params.id);
      return { ok: true as const };
    },
  );

  const MetricSchema = Type.Object({
    key: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
  });
  app.get(
    '/v1/metrics',
    {
      schema: {
        tags: ['admin'],
        summary: 'Metrics: the activity_types of the aggregated-usage API',
        security,
        response: { 200: Type.Object({ metrics: Type.Array(MetricSchema) }), ...errors },
      },
    },
    async (req) => ({ metrics: await admin.listMetrics(tenantOf(req)) }),
  );
  app.put(
    '/v1/metrics/:key',
    {
      schema: {
        tags: ['admin'],
        summary: 'Define a metric (primary, secondary1, secondary2, …) or change its description',
        security,
        params: Type.Object({ key: Type.String() }),
        body: Type.Object(
          { description: Type.Optional(Type.String({ maxLength: 1000 })) },
          { additionalProperties: false },
        ),
        response: { 200: MetricSchema, ...errors },
      },
    },
    async (req) => admin.defineMetric(tenantOf(req), req.params.key, req.body.description ?? null),
  );
  app.delete(
    '/v1/metrics/:key',
    {
      schema: {
        tags: ['admin'],
        summary: 'Remove a metric (stored usage keeps it)',
        security,
        params: Type.Object({ key: Type.String() }),
        response: { 200: Type.Object({ ok: Type.Literal(true) }), ...errors },
      },
    },
    async (req) => {
      await admin.removeMetric(tenantOf(req), req.params.key);
      return { ok: true as const };
    },
  );

  // An IP range table of 100,000 lines is some 5 MB: more than an event batch may be.
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: 256 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.put(
    '/v1/ip-ranges',
    {
      bodyLimit: 256 * 1024 * 1024,
      schema: {
        tags: ['admin'],
        summary: "Replace the tenant's IP range table (CSV: cidr,organisation,domain)",
        description:
          'Content-Type: text/csv. IPv4 and IPv6; an optional header line; domain may be empty. ' +
          'All or nothing: one bad line and nothing changes (details give line numbers as index).',
        security,
        consumes: ['text/csv'],
        response: {
          200: Type.Object({ imported: Type.Integer(), ipv4: Type.Integer(), ipv6: Type.Integer() }),
          ...errors,
        },
      },
    },
    async (req) => {
      if (typeof req.body !== 'string') {
        throw new UsageHubError('unsupported_media_type', 'Send the table as Content-Type: text/csv.');
      }
      return admin.importIpRanges(tenantOf(req), req.body);
    },
  );
  app.get(
    '/v1/ip-ranges/resolve',
    {
      schema: {
        tags: ['admin'],
        summary: 'How an address and a domain resolve to a company now (audit)',
        security,
        querystring: Type.Object({ ip: Type.Optional(Type.String()), domain: Type.Optional(Type.String()) }),
        response: {
          200: Type.Object({
            company: Type.Union([Type.String(), Type.Null()]),
            domain: Type.Union([Type.String(), Type.Null()]),
            organisation: Type.Union([Type.String(), Type.Null()]),
            resolvedBy: Type.Union([Type.String(), Type.Null()]),
            ipRange: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (req) => admin.resolveCompany(tenantOf(req), req.query.ip, req.query.domain),
  );

  const SessionTypes = Type.Object({
    types: Type.Array(Type.Object({ type: Type.String(), default: Type.Boolean() })),
  });
  app.get(
    '/v1/session-types',
    {
      schema: {
        tags: ['admin'],
        summary: 'The session event types (v3) the tenant accepts: the defaults and its own',
        security,
        response: { 200: SessionTypes, ...errors },
      },
    },
    async (req) => ({ types: await admin.sessionTypes(tenantOf(req)) }),
  );
  app.put(
    '/v1/session-types/:type',
    {
      schema: {
        tags: ['admin'],
        summary: 'Add a session event type',
        security,
        params: Type.Object({ type: Type.String() }),
        response: { 200: SessionTypes, ...errors },
      },
    },
    async (req) => ({ types: await admin.addSessionType(tenantOf(req), req.params.type) }),
  );
};
