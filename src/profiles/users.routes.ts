import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import { UsageHubError } from '../domain/errors.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { EventQueries } from '../store/event-store.port.ts';
import { idsOf, profileView } from './profile.ts';
import { personActivity } from './profile-queries.ts';
import type { ProfileStore } from './profile-store.port.ts';

export interface UserRoutesDeps {
  auth: KeyResolver;
  profiles: ProfileStore;
  queries: EventQueries;
}

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };
const Id = Type.String({ minLength: 1, maxLength: 500 });

const ProfileSchema = Type.Object({
  id: Type.String({ description: 'The person id (prs_…); any of their ids finds them too.' }),
  userIds: Type.Array(Type.String()),
  anonymousIds: Type.Array(Type.String()),
  emails: Type.Array(Type.String()),
  aliases: Type.Array(Type.String()),
  traits: Type.Record(Type.String(), Type.Unknown()),
  groups: Type.Record(Type.String(), Type.Unknown()),
  company: Type.Union([Type.String(), Type.Null()]),
  firstSeenAt: Type.String(),
  updatedAt: Type.String(),
});

/** People: a profile with its activity, search by trait, a person's events. Read keys (or admin). */
export const userRoutes: FastifyPluginAsync<UserRoutesDeps> = async (
  fastify,
  { auth, profiles, queries },
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'read'));
  const person = async (tenantId: string, id: string) => {
    const p = await profiles.find(tenantId, id);
    if (!p) throw new UsageHubError('not_found', `No user ${JSON.stringify(id)}.`);
    return p;
  };

  app.get(
    '/v1/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'A user profile, by any of their ids, with what their events say',
        description:
          'Ids merged (Segment alias, PostHog $identify / $create_alias, an event naming two ids), traits by event time. Counts are over every id of the person.',
        security,
        params: Type.Object({ id: Id }),
        response: {
          200: Type.Object({
            profile: ProfileSchema,
            activity: Type.Object({
              events: Type.Number(),
              firstEventAt: Type.Union([Type.String(), Type.Null()]),
              lastEventAt: Type.Union([Type.String(), Type.Null()]),
              topEvents: Type.Array(Type.Object({ name: Type.String(), events: Type.Number() })),
            }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { tenantId } = principalOf(req);
      const p = await person(tenantId, req.params.id);
      return { profile: profileView(p), activity: await personActivity(queries, tenantId, idsOf(p)) };
    },
  );

  app.get(
    '/v1/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Find users by a trait, and its value',
        security,
        querystring: Type.Object({
          trait: Type.String({ minLength: 1, maxLength: 200, description: 'People who have this trait…' }),
          value: Type.Optional(Type.String({ maxLength: 1000, description: '…equal to this (as text).' })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          after: Type.Optional(
            Type.String({ maxLength: 100, description: 'The `next` of the previous page.' }),
          ),
        }),
        response: {
          200: Type.Object({
            users: Type.Array(ProfileSchema),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { trait, value, limit, after } = req.query;
      const found = await profiles.search({
        tenantId: principalOf(req).tenantId,
        trait,
        value,
        limit,
        after,
      });
      return {
        users: found.map(profileView),
        next: found.length === limit ? (found[found.length - 1]?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/v1/users/:id/events',
    {
      schema: {
        tags: ['users'],
        summary: "A user's events by event time, latest first, paged",
        description:
          'Every id of the person counts. Events are ordered by when they happened (ties by arrival), not by when they arrived.',
        security,
        params: Type.Object({ id: Id }),
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          after: Type.Optional(
            Type.String({
              pattern: '^[0-9]{1,16}-[0-9]{1,19}$',
              description: 'The `next` of the previous page.',
            }),
          ),
        }),
        response: {
          200: Type.Object({
            events: Type.Array(Type.Record(Type.String(), Type.Unknown())),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { tenantId } = principalOf(req);
      const p = await person(tenantId, req.params.id);
      const page = await queries.exportPage({
        tenantId,
        userKeys: idsOf(p),
        order: 'latest',
        limit: req.query.limit,
        after: req.query.after,
      });
      return {
        events: page.events.map((doc) => JSON.parse(doc) as Record<string, unknown>),
        next: page.next,
      };
    },
  );
};
