import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { UsageHubError } from '../domain/errors.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { QuarantineAdmin } from '../store/quarantine-admin.ts';

export interface QuarantineDeps {
  auth: KeyResolver;
  quarantine: QuarantineAdmin;
}

const QuarantinedSchema = Type.Object({
  seq: Type.Integer({ description: 'Where the event is in the log; its id here.' }),
  tenantId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String({ description: 'What the store said when it could not apply the event.' }),
  at: Type.Integer({ description: 'When it was set aside, Unix ms.' }),
  attempts: Type.Integer(),
});
const Seq = Type.Object({ seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) });
const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };

/**
 * Quarantine: events the store could not apply, set aside so that ingest and the store
 * writer go on (docs/operations.md). Admin keys, the caller's tenant only.
 */
export const quarantineRoutes: FastifyPluginAsync<QuarantineDeps> = async (fastify, { auth, quarantine }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));
  const tenantOf = (req: Parameters<typeof principalOf>[0]) => principalOf(req).tenantId;

  app.get(
    '/v1/quarantine',
    {
      schema: {
        tags: ['admin'],
        summary: 'Events set aside because the store could not apply them',
        security,
        querystring: Type.Object({
          after: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: Number.MAX_SAFE_INTEGER,
              description: 'Entries after this seq (paging).',
            }),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: { 200: Type.Object({ events: Type.Array(QuarantinedSchema) }), ...errors },
      },
    },
    async (req) => ({
      events: await quarantine.list({
        tenantId: tenantOf(req),
        after: req.query.after,
        limit: req.query.limit,
      }),
    }),
  );

  app.get(
    '/v1/quarantine/:seq',
    {
      schema: {
        tags: ['admin'],
        summary: 'One quarantined event, with its document as the log holds it',
        security,
        params: Seq,
        response: { 200: Type.Object({ event: QuarantinedSchema, document: Type.String() }), ...errors },
      },
    },
    async (req) => {
      const found = await quarantine.show(tenantOf(req), req.params.seq);
      if (!found) throw new UsageHubError('not_found', `No quarantined event ${req.params.seq}.`);
      return found;
    },
  );

  app.post(
    '/v1/quarantine/:seq/retry',
    {
      schema: {
        tags: ['admin'],
        summary: 'Apply a quarantined event again (after the cause was fixed)',
        description:
          'outcome applied: it is stored and leaves quarantine; failed: it stays, with the new reason.',
        security,
        params: Seq,
        response: {
          200: Type.Object({
            outcome: Type.Union([Type.Literal('applied'), Type.Literal('failed')]),
            reason: Type.Optional(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const result = await quarantine.retry(tenantOf(req), req.params.seq);
      if (result.outcome === 'not_found')
        throw new UsageHubError('not_found', `No quarantined event ${req.params.seq}.`);
      return result;
    },
  );
};
