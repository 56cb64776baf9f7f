import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import type { AppDirectory } from '../catalog/app-directory.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { EventQueries } from '../store/event-store.port.ts';
import { FilterParams, IntervalParam, parseFilter } from './query.params.ts';
import { GROUP_BYS, type GroupBy, type QueryFilter } from '../store/queries.ts';
import { UsageHubError, problem } from '../domain/errors.ts';

export interface CountDeps {
  auth: KeyResolver;
  apps: AppDirectory;
  store: EventQueries;
}

const security = [{ bearer: [] }];
const MAX_MINUTE_RANGE_MS = 2 * 86_400_000;

/** Minute buckets over months would be a million rows: they need a short, bounded range. */
function checkMinuteRange(f: QueryFilter): void {
  if (f.from === undefined || f.to === undefined || f.to - f.from > MAX_MINUTE_RANGE_MS) {
    throw new UsageHubError('invalid_request', undefined, [
      problem('interval', 'field_range', 'interval=minute needs from and to, at most two days apart'),
    ]);
  }
}
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
        description:
          "Sums each event's count (1 unless the event says otherwise). Buckets are UTC; `interval=minute` " +
          'needs `from` and `to` at most two days apart.',
        security,
        querystring: Type.Object({
          ...FilterParams.properties,
          interval: Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], {
            default: 'day',
          }),
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
      if (req.query.interval === 'minute') checkMinuteRange(filter);
      return {
        rows: await store.counts({ ...filter, interval: req.query.interval, groupBy: req.query.groupBy }),
      };
    },
  );

  app.get(
    '/v1/query/apps',
    {
      schema: {
        tags: ['query'],
        summary: 'The tenant’s apps, by id and name (for filters; their settings are admin routes)',
        security,
        response: {
          200: Type.Object({ apps: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })) }),
          ...errors,
        },
      },
    },
    async (req) => ({
      apps: (await apps.list(principalOf(req).tenantId)).map(({ id, name }) => ({ id, name })),
    }),
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
