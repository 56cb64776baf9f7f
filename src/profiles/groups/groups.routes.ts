import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../../auth/authenticator.ts';
import { UsageHubError } from '../../domain/errors.ts';
import { principalOf, requireRole } from '../../http/auth-hook.ts';
import { ErrorResponse } from '../../http/schemas.ts';
import type { ProfileStore } from '../profile-store.port.ts';
import { groupView } from './group.ts';

export interface GroupRoutesDeps {
  auth: KeyResolver;
  profiles: ProfileStore;
}

const GroupSchema = Type.Object({
  type: Type.String({
    description: 'PostHog `$group_type` (company, organization, …); `group` for Segment.',
  }),
  key: Type.String(),
  properties: Type.Record(Type.String(), Type.Unknown()),
  firstSeenAt: Type.String(),
  updatedAt: Type.String(),
});

/** Groups: one by its type and key. Read keys (or admin). */
export const groupRoutes: FastifyPluginAsync<GroupRoutesDeps> = async (fastify, { auth, profiles }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'read'));
  app.get(
    '/v1/groups/:type/:key',
    {
      schema: {
        tags: ['users'],
        summary: 'A group (a company, an organisation…) with the properties its SDK calls set',
        description:
          'Set by PostHog `$groupidentify` (`$group_type`, `$group_key`, `$group_set`) and Segment `group` (type `group`: its `groupId` and traits), each property by event time. People name their groups in their profile (`groups`).',
        security: [{ bearer: [] }],
        params: Type.Object({
          type: Type.String({ minLength: 1, maxLength: 200 }),
          key: Type.String({ minLength: 1, maxLength: 500 }),
        }),
        response: { 200: Type.Object({ group: GroupSchema }), '4xx': ErrorResponse },
      },
    },
    async (req) => {
      const { type, key } = req.params;
      const g = await profiles.findGroup(principalOf(req).tenantId, type, key);
      if (!g)
        throw new UsageHubError(
          'not_found',
          `No group ${JSON.stringify(key)} of type ${JSON.stringify(type)}.`,
        );
      return { group: groupView(g) };
    },
  );
};
