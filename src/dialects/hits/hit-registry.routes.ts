import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../../auth/authenticator.ts';
import { UsageHubError } from '../../domain/errors.ts';
import { requireRole } from '../../http/auth-hook.ts';
import { Ok, adminErrors as errors, adminSchema, tenantOf } from '../../http/admin-route.ts';
import type { HitRegistry } from './hit-registry.port.ts';
import { HitUserSchema, MediaSchema } from './hit-registry.schema.ts';

export interface HitRegistryRoutesDeps {
  auth: KeyResolver;
  registry: HitRegistry;
  /** Tells this process's caches (hit-snapshots.ts) that the registry changed. */
  changed: () => void;
}

/** The statistic-hits registries an admin keeps: users hits may name, and media metadata. */
export const hitRegistryRoutes: FastifyPluginAsync<HitRegistryRoutesDeps> = async (fastify, deps) => {
  const { registry, changed } = deps;
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(deps.auth, 'admin'));

  app.get(
    '/v1/hit-users',
    {
      schema: {
        ...adminSchema,
        summary: 'Users statistic hits may name (GET /api/dam/users)',
        response: { 200: Type.Object({ users: Type.Array(HitUserSchema) }), ...errors },
      },
    },
    async (req) => ({ users: await registry.listUsers(tenantOf(req)) }),
  );
  app.put(
    '/v1/hit-users/:id',
    {
      schema: {
        ...adminSchema,
        summary: 'Add a user, or replace what is known of it',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
        body: Type.Object(
          {
            firstName: Type.Optional(Type.String({ maxLength: 256 })),
            lastName: Type.Optional(Type.String({ maxLength: 256 })),
            email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: HitUserSchema, ...errors },
      },
    },
    async (req) => {
      const user = await registry.putUser(tenantOf(req), {
        id: req.params.id,
        firstName: req.body.firstName ?? null,
        lastName: req.body.lastName ?? null,
        email: req.body.email ?? null,
      });
      changed();
      return user;
    },
  );
  app.delete(
    '/v1/hit-users/:id',
    {
      schema: {
        ...adminSchema,
        summary: 'Remove a user',
        params: Type.Object({ id: Type.String() }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      if (!(await registry.removeUser(tenantOf(req), req.params.id)))
        throw new UsageHubError('not_found', `user ${req.params.id} does not exist`);
      changed();
      return { ok: true as const };
    },
  );

  app.get(
    '/v1/medias',
    {
      schema: {
        ...adminSchema,
        summary: 'Media metadata (kind, length) for the rules on play hits',
        response: { 200: Type.Object({ medias: Type.Array(MediaSchema) }), ...errors },
      },
    },
    async (req) => ({ medias: await registry.listMedias(tenantOf(req)) }),
  );
  app.put(
    '/v1/medias/:id',
    {
      schema: {
        ...adminSchema,
        summary: "Add a media's metadata, or replace it",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
        body: Type.Object(
          {
            kind: MediaSchema.properties.kind,
            durationSeconds: Type.Optional(Type.Number({ minimum: 0 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: MediaSchema, ...errors },
      },
    },
    async (req) => {
      const media = await registry.putMedia(tenantOf(req), {
        id: req.params.id,
        kind: req.body.kind,
        durationSeconds: req.body.durationSeconds ?? null,
      });
      changed();
      return media;
    },
  );
  app.delete(
    '/v1/medias/:id',
    {
      schema: {
        ...adminSchema,
        summary: "Remove a media's metadata",
        params: Type.Object({ id: Type.String() }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      if (!(await registry.removeMedia(tenantOf(req), req.params.id)))
        throw new UsageHubError('not_found', `media ${req.params.id} does not exist`);
      changed();
      return { ok: true as const };
    },
  );
};
