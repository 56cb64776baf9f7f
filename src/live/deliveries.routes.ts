import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, tenantOf } from '../http/admin-route.ts';
import { liveValueOrThrow } from './live.outcomes.ts';
import { Id, type LiveDeps } from './live-endpoint.schema.ts';

const security = [{ bearer: [] }];

/** An endpoint's deliveries: the attempts made, and replays. Admin keys only; see docs/live.md. */
export const deliveryRoutes: FastifyPluginAsync<LiveDeps> = async (fastify, { auth, live }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));
  const get = { tags: ['live'], security };

  app.post(
    '/v1/live/endpoints/:id/replay',
    {
      schema: {
        ...get,
        summary: 'Send deliveries again: queued in a time range, or by webhook-id',
        description:
          'Body {"from", "to"} (Unix ms, when they were queued; either may be left out) or {"ids": [webhook-ids]}.',
        params: Id,
        body: Type.Union([
          Type.Object(
            { ids: Type.Array(Type.String(), { minItems: 1, maxItems: 10_000 }) },
            { additionalProperties: false },
          ),
          Type.Object(
            {
              from: Type.Optional(Type.Integer({ minimum: 0 })),
              to: Type.Optional(Type.Integer({ minimum: 0 })),
            },
            { additionalProperties: false },
          ),
        ]),
        response: { 200: Type.Object({ replayed: Type.Integer() }), ...errors },
      },
    },
    async (req) => liveValueOrThrow(await live.replay(tenantOf(req), req.params.id, req.body)),
  );
  app.get(
    '/v1/live/endpoints/:id/deliveries',
    {
      schema: {
        ...get,
        summary: 'The delivery log: attempts, newest first',
        params: Id,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }) }),
        response: {
          200: Type.Object({
            attempts: Type.Array(
              Type.Object({
                deliveryId: Type.String({ description: 'The webhook-id.' }),
                type: Type.String(),
                at: Type.Number(),
                status: Type.Union([Type.Integer(), Type.Null()]),
                latencyMs: Type.Number(),
                error: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({
      attempts: liveValueOrThrow(await live.deliveries(tenantOf(req), req.params.id, req.query.limit)),
    }),
  );
};
