import type { FastifyPluginAsync } from 'fastify';
import { answersCarrySecrets } from '../http/security-headers.ts';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { Catalog } from '../catalog/catalog.port.ts';

export interface IngestKeyDeps {
  auth: KeyResolver;
  catalog: Catalog;
}

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };

/** The live ingest keys, for any read key: which exist, never their secrets. */
export const ingestKeyRoutes: FastifyPluginAsync<IngestKeyDeps> = async (fastify, { auth, catalog }) => {
  answersCarrySecrets(fastify);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'read'));

  app.get(
    '/v1/ingest-keys',
    {
      schema: {
        tags: ['query'],
        summary: 'The live ingest keys (the aggregated-usage API’s X-API-KEY), for any read key',
        description:
          'Non-admins may see which keys exist (id, name, prefix) but never create or revoke one. ' +
          'The secret itself is shown only when an admin creates the key: usagehub keeps its hash.',
        security,
        response: {
          200: Type.Object({
            keys: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                prefix: Type.String(),
                createdAt: Type.String(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const keys = await catalog.listKeys(principalOf(req).tenantId);
      return {
        keys: keys
          .filter((k) => k.role === 'ingest' && k.revokedAt === null)
          .map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt })),
      };
    },
  );
};
