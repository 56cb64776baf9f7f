import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import type { AppDirectory } from '../catalog/app-directory.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { EventQueries } from '../store/event-store.port.ts';
import { FilterParams, IntervalParam, parseFilter } from './query.params.ts';
import { GROUP_BYS, type GroupBy } from '../store/queries.ts';

export interface CountDeps {
  auth: KeyResolver;
  apps: AppDirectory;
  store: EventQueries;
}

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };

/** Counts of events, distinct users and top users. Read keys (or admin). */
export const countRoutes: FastifyPluginAsync<CountDeps> = async (fastify, { auth, apps, store }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'read'));

  app.get(
    '/v1/query/counts',
    {
      schema: {
        tags: ['query'],
        summary: 'Event counts per interval',
        description: "Sums each event's count (1 unless the event says otherwise). Buckets are UTC.",
        security,
        querystring: Type.Object({
          ...FilterParams.properties,
          interval: IntervalParam,
          groupBy: Type.Optional(
            Type.Unsafe<GroupBy>({
              type: 'string',
              enum: [...GROUP_BYS],
              description: 'Split each bucket by this; `late` gives "true" and "false".',
            }),
          ),
        }),
        response: {
          200: Type.Object({
            rows: Type.Array(
              Type.Object({
                bucket: Type.String(),
                key: Type.Union([Type.String(), Type.Null()]),
                events: Type.Number(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const filter = await parseFilter(principalOf(req).tenantId, req.query, apps);
      return {
        rows: await store.counts({ ...filter, interval: req.query.interval, groupBy: req.query.groupBy }),
      };
    },
  );

  app.get(
    '/v1/query/users',
    {
      schema: {
        tags: ['query'],
        summary: 'Distinct users per interval',
        description: "A user is the event's userId, else its email, else its deviceId.",
        security,
        querystring: Type.Object({ ...FilterParams.properties, interval: IntervalParam }),
        response: {
          200: Type.Object({
            rows: Type.Array(Type.Object({ bucket: Type.String(), users: Type.Number() })),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const filter = await parseFilter(principalOf(req).tenantId, req.query, apps);
      return { rows: await store.distinctUsers({ ...filter, interval: req.query.interval }) };
    },
  );

  app.get(
    '/v1/query/top-users',
    {
      schema: {
        tags: ['query'],
        summary: 'Users with the most events',
        security,
        querystring: Type.Object({
          ...FilterParams.properties,
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
        }),
        response: {
          200: Type.Object({ rows: Type.Array(Type.Object({ user: Type.String(), events: Type.Number() })) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const filter = await parseFilter(principalOf(req).tenantId, req.query, apps);
      return { rows: await store.topUsers({ ...filter, limit: req.query.limit }) };
    },
  );
};
