import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, tenantOf } from '../http/admin-route.ts';
import { liveValueOrThrow } from './live.outcomes.ts';
import { EndpointSchema, Id, type LiveDeps } from './live-endpoint.schema.ts';

const security = [{ bearer: [] }];

/** An endpoint's state: verify it (the challenge), pause and resume its deliveries. Admin keys only; see docs/live.md. */
export const endpointStateRoutes: FastifyPluginAsync<LiveDeps> = async (fastify, { auth, live }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));
  const get = { tags: ['live'], security };

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
    '/v1/live/endpoints/:id/rotate',
    {
      schema: {
        ...get,
        summary: 'New keys; the endpoint sends nothing until it is verified with them',
        description:
          'The receiver needs the new public and private key to answer the challenge and check signatures, ' +
          'so the endpoint is unverified until POST …/verify succeeds. Changing the url does the same.',
        params: Id,
        response: { 200: EndpointSchema, ...errors },
      },
    },
    async (req) => liveValueOrThrow(await live.rotateKeys(tenantOf(req), req.params.id)),
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
};
