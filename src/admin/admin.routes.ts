import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Authenticator } from '../auth/authenticator.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { AdminService } from './admin.service.ts';
import {
  AppSchema,
  CategorySchema,
  CreatedClientSchema,
  CreatedKeySchema,
  KeySchema,
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
        summary: 'Rename an app',
        security,
        params: Type.Object({ app: Type.String() }),
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 200: AppSchema, ...errors },
      },
    },
    async (req) => {
      const found = await admin.app(tenantOf(req), req.params.app);
      return admin.renameApp(tenantOf(req), found.id, req.body.name);
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
};
