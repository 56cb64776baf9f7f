import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, tenantOf } from '../http/admin-route.ts';
import type { AdminService } from './admin.service.ts';
import { valueOrThrow } from './admin.outcomes.ts';
import { Name, TenantSchema } from './admin.schema.ts';

export interface AdminRoutesDeps {
  auth: KeyResolver;
  admin: AdminService;
}

const security = [{ bearer: [] }];

/** The caller's tenant. Admin keys only. */
export const tenantRoutes: FastifyPluginAsync<AdminRoutesDeps> = async (fastify, { auth, admin }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));

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
    async (req) => valueOrThrow(await admin.tenant(tenantOf(req))),
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
    async (req) => valueOrThrow(await admin.renameTenant(tenantOf(req), req.body.name)),
  );
};
