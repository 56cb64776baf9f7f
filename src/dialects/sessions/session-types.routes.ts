import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../../auth/authenticator.ts';
import { UsageHubError, problem } from '../../domain/errors.ts';
import { requireRole } from '../../http/auth-hook.ts';
import { adminErrors as errors, adminSchema, tenantOf } from '../../http/admin-route.ts';
import type { SessionTypeStore } from './session-types.port.ts';
import { DEFAULT_SESSION_TYPES, SESSION_TYPE_PATTERN } from './session-types.ts';

export interface SessionTypeRoutesDeps {
  auth: KeyResolver;
  store: SessionTypeStore;
  /** Tells this process's caches (session-types.ts) that the registry changed. */
  changed: () => void;
}

const SessionTypes = Type.Object({
  types: Type.Array(Type.Object({ type: Type.String(), default: Type.Boolean() })),
});
const typePattern = new RegExp(SESSION_TYPE_PATTERN);

/** The session event types (v3) a tenant accepts: the defaults, and those an admin adds. */
export const sessionTypeRoutes: FastifyPluginAsync<SessionTypeRoutesDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(deps.auth, 'admin'));

  const typesOf = async (tenantId: string) => {
    const added = await deps.store.list(tenantId);
    const defaults: readonly string[] = DEFAULT_SESSION_TYPES;
    return [
      ...defaults.map((type) => ({ type, default: true })),
      ...added.filter((t) => !defaults.includes(t)).map((type) => ({ type, default: false })),
    ];
  };

  app.get(
    '/v1/session-types',
    {
      schema: {
        ...adminSchema,
        summary: 'The session event types (v3) the tenant accepts: the defaults and its own',
        response: { 200: SessionTypes, ...errors },
      },
    },
    async (req) => ({ types: await typesOf(tenantOf(req)) }),
  );
  app.put(
    '/v1/session-types/:type',
    {
      schema: {
        ...adminSchema,
        summary: 'Add a session event type',
        params: Type.Object({ type: Type.String() }),
        response: { 200: SessionTypes, ...errors },
      },
    },
    async (req) => {
      const { type } = req.params;
      if (!typePattern.test(type)) {
        throw new UsageHubError('invalid_request', undefined, [
          problem(
            'type',
            'field_format',
            `type ${JSON.stringify(type)} must be upper-case letters, digits and _ (like APPSTART)`,
          ),
        ]);
      }
      await deps.store.add(tenantOf(req), type);
      deps.changed();
      return { types: await typesOf(tenantOf(req)) };
    },
  );
};
