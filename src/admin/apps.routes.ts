import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, adminSchema, tenantOf } from '../http/admin-route.ts';
import { valueOrThrow } from './admin.outcomes.ts';
import { AppSchema, CategorySchema, Name, type AdminRoutesDeps } from './admin.schema.ts';

/** Apps (application instances that send events) and their event mappings. Admin keys only. */
export const appRoutes: FastifyPluginAsync<AdminRoutesDeps> = async (fastify, { auth, admin }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));

  app.get(
    '/v1/apps',
    {
      schema: {
        ...adminSchema,
        summary: 'List apps',
        response: { 200: Type.Object({ apps: Type.Array(AppSchema) }), ...errors },
      },
    },
    async (req) => ({ apps: await admin.listApps(tenantOf(req)) }),
  );
  app.post(
    '/v1/apps',
    {
      schema: {
        ...adminSchema,
        summary: 'Create an app',
        description:
          'An app is one application instance that sends events. Its name is unique in the tenant.',
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 201: AppSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(valueOrThrow(await admin.createApp(tenantOf(req), req.body.name))),
  );
  app.get(
    '/v1/apps/:app',
    {
      schema: {
        ...adminSchema,
        summary: 'One app, by id or name',
        params: Type.Object({ app: Type.String() }),
        response: { 200: AppSchema, ...errors },
      },
    },
    async (req) => valueOrThrow(await admin.app(tenantOf(req), req.params.app)),
  );
  app.patch(
    '/v1/apps/:app',
    {
      schema: {
        ...adminSchema,
        summary: 'Rename an app, or make it a user interface (hit origin)',
        params: Type.Object({ app: Type.String() }),
        body: Type.Object(
          {
            name: Type.Optional(Name),
            origin: Type.Optional(
              Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
                description: 'Its number as a hit origin; null to remove it.',
              }),
            ),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: AppSchema, ...errors },
      },
    },
    async (req) => {
      let found = valueOrThrow(await admin.app(tenantOf(req), req.params.app));
      if (req.body.name !== undefined)
        found = valueOrThrow(await admin.renameApp(tenantOf(req), found.id, req.body.name));
      if (req.body.origin !== undefined)
        found = valueOrThrow(await admin.setAppOrigin(tenantOf(req), found.id, req.body.origin));
      return found;
    },
  );

  const mappingParams = Type.Object({
    app: Type.String(),
    eventName: Type.String({ minLength: 1, maxLength: 256 }),
  });
  app.put(
    '/v1/apps/:app/event-mappings/:eventName',
    {
      schema: {
        ...adminSchema,
        summary: 'Map an event name to a category (add or change)',
        description: 'Dialects that require a mapping (push) accept only mapped event names.',
        params: mappingParams,
        body: Type.Object({ category: CategorySchema }, { additionalProperties: false }),
        response: { 200: AppSchema, ...errors },
      },
    },
    async (req) =>
      valueOrThrow(
        await admin.mapEvent(tenantOf(req), req.params.app, req.params.eventName, req.body.category),
      ),
  );
  app.delete(
    '/v1/apps/:app/event-mappings/:eventName',
    {
      schema: {
        ...adminSchema,
        summary: 'Remove an event name from the mapping',
        description: 'Events already stored keep their category.',
        params: mappingParams,
        response: { 200: AppSchema, ...errors },
      },
    },
    async (req) => valueOrThrow(await admin.unmapEvent(tenantOf(req), req.params.app, req.params.eventName)),
  );
};
