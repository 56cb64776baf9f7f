import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, adminSchema, tenantOf } from '../http/admin-route.ts';
import { valueOrThrow } from './admin.outcomes.ts';
import { Name, TenantSchema, type AdminRoutesDeps } from './admin.schema.ts';

/** The caller's tenant. Admin keys only. */
export const tenantRoutes: FastifyPluginAsync<AdminRoutesDeps> = async (fastify, { auth, admin }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));

  app.get(
    '/v1/tenant',
    {
      schema: {
        ...adminSchema,
        summary: 'Your tenant',
        response: { 200: TenantSchema, ...errors },
      },
    },
    async (req) => valueOrThrow(await admin.tenant(tenantOf(req))),
  );
  app.patch(
    '/v1/tenant',
    {
      schema: {
        ...adminSchema,
        summary: 'Rename your tenant',
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 200: TenantSchema, ...errors },
      },
    },
    async (req) => valueOrThrow(await admin.renameTenant(tenantOf(req), req.body.name)),
  );
};
