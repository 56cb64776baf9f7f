import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, tenantOf } from '../http/admin-route.ts';
import { liveValueOrThrow } from './live.outcomes.ts';
import { EndpointSchema, Id, Input, type LiveDeps } from './live-endpoint.schema.ts';

const security = [{ bearer: [] }];

/** Live API endpoints: list, create, read, change, delete. Admin keys only; see docs/live.md. */
export const endpointRoutes: FastifyPluginAsync<LiveDeps> = async (fastify, { auth, live, types }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));
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
  app.get(
    '/v1/live/event-types',
    {
      schema: {
        ...get,
        summary: 'Event types an endpoint filter can name, and the namespace wildcards',
        description:
          'Types of events stored in the last 7 days (usagehub.event.<dialect>.<name>), those dialects add, ' +
          "and usagehub's own (app, key, import, user changes).",
        response: {
          200: Type.Object({ types: Type.Array(Type.String()), wildcards: Type.Array(Type.String()) }),
          ...errors,
        },
      },
    },
    async (req) => types(tenantOf(req)),
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
};
