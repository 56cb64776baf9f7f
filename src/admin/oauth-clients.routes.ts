import type { FastifyPluginAsync } from 'fastify';
import { answersCarrySecrets } from '../http/security-headers.ts';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, adminSchema, tenantOf } from '../http/admin-route.ts';
import { valueOrThrow } from './admin.outcomes.ts';
import {
  CreatedClientSchema,
  Name,
  OAuthClientSchema,
  ScopeSchema,
  type AdminRoutesDeps,
} from './admin.schema.ts';

/** OAuth clients of the client credentials grant (push dialect). Admin keys only. */
export const oauthClientRoutes: FastifyPluginAsync<AdminRoutesDeps> = async (fastify, { auth, admin }) => {
  answersCarrySecrets(fastify);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));

  app.get(
    '/v1/oauth-clients',
    {
      schema: {
        ...adminSchema,
        summary: 'List OAuth clients (never their secrets)',
        response: { 200: Type.Object({ clients: Type.Array(OAuthClientSchema) }), ...errors },
      },
    },
    async (req) => ({ clients: await admin.listOAuthClients(tenantOf(req)) }),
  );
  app.post(
    '/v1/oauth-clients',
    {
      schema: {
        ...adminSchema,
        summary: 'Create an OAuth client (client credentials grant)',
        description: 'The client_secret is in this response only; store it now.',
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
        ...adminSchema,
        summary: 'Revoke an OAuth client and every token it holds',
        description:
          'Takes effect at once on this server; other processes stop accepting its tokens within 5 seconds.',
        params: Type.Object({ id: Type.String() }),
        response: { 200: OAuthClientSchema, ...errors },
      },
    },
    async (req) => valueOrThrow(await admin.revokeOAuthClient(tenantOf(req), req.params.id)),
  );
};
