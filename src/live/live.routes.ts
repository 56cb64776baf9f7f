import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { LiveService } from './live-service.ts';
import { liveValueOrThrow } from './live.outcomes.ts';

export interface LiveDeps {
  auth: KeyResolver;
  live: LiveService;
}

const EndpointSchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  url: Type.String(),
  description: Type.String(),
  filters: Type.Array(Type.String()),
  publicKey: Type.String({ description: 'Names the endpoint: sent as x-notificare-public-key.' }),
  privateKey: Type.String({ description: 'The HMAC secret the signatures use; keep it in the receiver.' }),
  standardWebhooksSecret: Type.String({
    description:
      'The same secret in the whsec_… form of Standard Webhooks libraries: new Webhook(secret).verify(body, headers).',
  }),
  state: Type.Union([Type.Literal('unverified'), Type.Literal('active'), Type.Literal('paused')]),
  verifiedAt: Type.Union([Type.String(), Type.Null()]),
  verifyError: Type.Union([Type.String(), Type.Null()]),
  ordered: Type.Boolean({ description: 'One delivery at a time, in event order.' }),
  failingSince: Type.Union([Type.Number(), Type.Null()], {
    description: 'Unix ms of the first failure since the last success.',
  }),
  failing: Type.Boolean({
    description: 'Every attempt has failed for USAGEHUB_LIVE_FAILING_AFTER_SECONDS or longer.',
  }),
  createdAt: Type.String(),
});
const Input = {
  description: Type.Optional(Type.String({ maxLength: 500 })),
  ordered: Type.Optional(
    Type.Boolean({ description: 'Strict order: one delivery at a time, in event order.' }),
  ),
  filters: Type.Optional(
    Type.Array(Type.String({ maxLength: 300 }), {
      maxItems: 100,
      description:
        'Event types (usagehub.event.push.opened_file) or namespace wildcards (usagehub.event.push.*); none: all.',
    }),
  ),
};
const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };
const Id = Type.Object({ id: Type.String() });

/** Live API endpoints: admin keys only. See docs/live.md. */
export const liveRoutes: FastifyPluginAsync<LiveDeps> = async (fastify, { auth, live }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));
  const tenantOf = (req: Parameters<typeof principalOf>[0]) => principalOf(req).tenantId;
  const get = { tags: ['live'], security };

  app.get(
    '/v1/live/endpoints',
    {
      schema: {
        ...get,
        summary: 'List endpoints',
        response: { 200: Type.Object({ endpoints: Type.Array(EndpointSchema) }), ...errors },
      },
    },
    async (req) => ({ endpoints: await live.list(tenantOf(req)) }),
  );
  app.post(
    '/v1/live/endpoints',
    {
      schema: {
        ...get,
        summary: 'Create an endpoint (unverified until it answers the challenge)',
        body: Type.Object(
          { url: Type.String({ maxLength: 2000 }), ...Input },
          { additionalProperties: false },
        ),
        response: { 201: EndpointSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(liveValueOrThrow(await live.create(tenantOf(req), req.body))),
  );
  app.get(
    '/v1/live/endpoints/:id',
    { schema: { ...get, summary: 'One endpoint', params: Id, response: { 200: EndpointSchema, ...errors } } },
    async (req) => liveValueOrThrow(await live.get(tenantOf(req), req.params.id)),
  );
  app.patch(
    '/v1/live/endpoints/:id',
    {
      schema: {
        ...get,
        summary: 'Change an endpoint; a new url resets both keys and the verification',
        params: Id,
        body: Type.Object(
          { url: Type.Optional(Type.String({ maxLength: 2000 })), ...Input },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: EndpointSchema, ...errors },
      },
    },
    async (req) => liveValueOrThrow(await live.update(tenantOf(req), req.params.id, req.body)),
  );
  app.post(
    '/v1/live/endpoints/:id/verify',
    {
      schema: {
        ...get,
        summary: 'Send the verification challenge (again)',
        params: Id,
        response: {
          200: Type.Object({
            verified: Type.Boolean(),
            status: Type.Union([Type.Integer(), Type.Null()]),
            error: Type.Union([Type.String(), Type.Null()]),
            endpoint: EndpointSchema,
          }),
          ...errors,
        },
      },
    },
    async (req) => liveValueOrThrow(await live.verify(tenantOf(req), req.params.id)),
  );
  app.post(
    '/v1/live/endpoints/:id/pause',
    {
      schema: {
        ...get,
        summary: 'Stop sending; deliveries stay queued',
        params: Id,
        response: { 200: EndpointSchema, ...errors },
      },
    },
    async (req) => liveValueOrThrow(await live.pause(tenantOf(req), req.params.id)),
  );
  app.post(
    '/v1/live/endpoints/:id/resume',
    {
      schema: {
        ...get,
        summary: 'Send again, queued deliveries first',
        params: Id,
        response: { 200: EndpointSchema, ...errors },
      },
    },
    async (req) => liveValueOrThrow(await live.resume(tenantOf(req), req.params.id)),
  );
  app.delete(
    '/v1/live/endpoints/:id',
    {
      schema: {
        ...get,
        summary: 'Delete an endpoint and its queue',
        params: Id,
        response: { 200: Type.Object({ ok: Type.Literal(true) }), ...errors },
      },
    },
    async (req) => {
      liveValueOrThrow(await live.delete(tenantOf(req), req.params.id));
      return { ok: true as const };
    },
  );
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
