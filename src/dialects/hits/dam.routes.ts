import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { principalOf, requireRole } from '../../http/auth-hook.ts';
import { ErrorResponse } from '../../http/schemas.ts';
import type { HitsDeps } from './hits.routes.ts';

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };

/** What a hit may refer to: the tenant's user interfaces and users (ingest or read keys). */
export const damRoutes: FastifyPluginAsync<Pick<HitsDeps, 'auth' | 'catalog' | 'registry'>> = async (
  fastify,
  deps,
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
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
