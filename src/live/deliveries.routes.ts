import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { UsageHubError } from '../domain/errors.ts';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, tenantOf } from '../http/admin-route.ts';
import { liveValueOrThrow } from './live.outcomes.ts';
import { Id, type LiveDeps } from './live-endpoint.schema.ts';
import { AttemptSchema, DeliveryDetailSchema, StatsSchema } from './delivery.schema.ts';

const security = [{ bearer: [] }];
const DeliveryId = Type.Object({ id: Type.String(), deliveryId: Type.String({ maxLength: 200 }) });
/** A stats window holds at most this many buckets: a small chart's worth. */
const MAX_BUCKETS = 1000;

/** An endpoint's deliveries: the attempt log, one delivery's exchanges, statistics, replays and test events. Admin keys only; see docs/live.md. */
export const deliveryRoutes: FastifyPluginAsync<LiveDeps> = async (fastify, { auth, live }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));
  const get = { tags: ['live'], security };

  app.post(
    '/v1/live/endpoints/:id/replay',
    {
      schema: {
        ...get,
        summary: 'Send deliveries again: queued in a time range, by webhook-id, or the failed ones',
        description:
          'Body {"from", "to"} (Unix ms, when they were queued; either may be left out), {"ids": [webhook-ids]}, ' +
          'or {"failed": true} (pending deliveries that failed at least once, sent now instead of at their retry time).',
        params: Id,
        body: Type.Union([
          Type.Object(
            { ids: Type.Array(Type.String(), { minItems: 1, maxItems: 10_000 }) },
            { additionalProperties: false },
          ),
          Type.Object({ failed: Type.Literal(true) }, { additionalProperties: false }),
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
        summary: 'The delivery log: attempts, newest first, in pages',
        description: 'Pass the answer’s `next` as `before` for the next page.',
        params: Id,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
          before: Type.Optional(Type.Integer({ minimum: 1, description: 'Attempts with a lower id.' })),
          failed: Type.Optional(Type.Boolean({ description: 'Only attempts that got no 2xx.' })),
        }),
        response: {
          200: Type.Object({
            attempts: Type.Array(AttemptSchema),
            next: Type.Union([Type.Integer(), Type.Null()], { description: 'The next page’s `before`.' }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const attempts = liveValueOrThrow(await live.deliveries(tenantOf(req), req.params.id, req.query));
      const last = attempts.at(-1);
      return { attempts, next: attempts.length === req.query.limit && last ? last.id : null };
    },
  );
  app.get(
    '/v1/live/endpoints/:id/deliveries/:deliveryId',
    {
      schema: {
        ...get,
        summary: 'One delivery: its body, and each attempt’s request headers and answer',
        params: DeliveryId,
        response: { 200: DeliveryDetailSchema, ...errors },
      },
    },
    async (req) => liveValueOrThrow(await live.delivery(tenantOf(req), req.params.id, req.params.deliveryId)),
  );
  app.get(
    '/v1/live/endpoints/:id/stats',
    {
      schema: {
        ...get,
        summary: 'Attempts over a time range: success rate, delivery lag p50/p99, counts per bucket, backlog',
        description:
          'Counted by whole minutes (the minute holding `from` counts whole); lag percentiles are within 10 % ' +
          '(a histogram a tenth wide per bucket), so any range answers in milliseconds.',
        params: Id,
        querystring: Type.Object({
          from: Type.Integer({ minimum: 0, description: 'Unix ms.' }),
          to: Type.Integer({ minimum: 1, description: 'Unix ms, exclusive.' }),
          bucket: Type.Integer({
            minimum: 60_000,
            multipleOf: 60_000,
            default: 3_600_000,
            description: 'Bucket size, ms: whole minutes.',
          }),
        }),
        response: { 200: StatsSchema, ...errors },
      },
    },
    async (req) => {
      const { from, to, bucket } = req.query;
      if (to <= from) throw new UsageHubError('invalid_request', '`to` must be after `from`.');
      if ((to - from) / bucket > MAX_BUCKETS)
        throw new UsageHubError('invalid_request', `At most ${MAX_BUCKETS} buckets: make \`bucket\` larger.`);
      return liveValueOrThrow(await live.stats(tenantOf(req), req.params.id, { from, to, bucketMs: bucket }));
    },
  );
  app.post(
    '/v1/live/endpoints/:id/test',
    {
      schema: {
        ...get,
        summary: 'Send a test event of a type to this endpoint (its filters apart)',
        description: 'The body it gets has `"test": true` in `data`; the answer names its webhook-id.',
        params: Id,
        body: Type.Object(
          { type: Type.String({ minLength: 1, maxLength: 300 }) },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ deliveryId: Type.String() }), ...errors },
      },
    },
    async (req, reply) =>
      reply
        .status(202)
        .send(liveValueOrThrow(await live.sendTest(tenantOf(req), req.params.id, req.body.type))),
  );
};
