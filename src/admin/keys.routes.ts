import type { FastifyPluginAsync } from 'fastify';
import { answersCarrySecrets } from '../http/security-headers.ts';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, adminSchema, tenantOf } from '../http/admin-route.ts';
import { valueOrThrow } from './admin.outcomes.ts';
import { CreatedKeySchema, KeySchema, Name, RoleSchema, type AdminRoutesDeps } from './admin.schema.ts';

/** API keys: created with their secret shown once, listed without it, revoked. Admin keys only. */
export const keyRoutes: FastifyPluginAsync<AdminRoutesDeps> = async (fastify, { auth, admin }) => {
  answersCarrySecrets(fastify);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));

  app.get(
    '/v1/keys',
    {
      schema: {
        ...adminSchema,
        summary: 'List API keys (never their secrets)',
        response: { 200: Type.Object({ keys: Type.Array(KeySchema) }), ...errors },
      },
    },
    async (req) => ({ keys: await admin.listKeys(tenantOf(req)) }),
  );
  app.post(
    '/v1/keys',
    {
      schema: {
        ...adminSchema,
        summary: 'Create an API key',
        description: 'The secret is in this response only; store it now.',
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
        ...adminSchema,
        summary: 'Revoke an API key',
        description:
          'Takes effect at once on this server; other processes stop accepting it within 5 seconds.',
        params: Type.Object({ id: Type.String() }),
        response: { 200: KeySchema, ...errors },
      },
    },
    async (req) => valueOrThrow(await admin.revokeKey(tenantOf(req), req.params.id)),
  );
};
