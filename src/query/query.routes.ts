import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Authenticator } from '../auth/authenticator.ts';
import type { AppDirectory } from '../catalog/app-directory.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { EventQueries } from '../store/event-store.ts';
import { CSV_HEADER, formatExportLine } from './export-format.ts';
import { FilterParams, IntervalParam, parseFilter } from './query.params.ts';
import { GROUP_BYS, type GroupBy } from './query.ts';

export interface QueryDeps {
  auth: Authenticator;
  apps: AppDirectory;
  store: EventQueries;
}

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };
const EXPORT_PAGE = 5000;

/** The query API: counts, distinct users, top users, and export. Read keys (or admin). */
export const queryRoutes: FastifyPluginAsync<QueryDeps> = async (fastify, { auth, apps, store }) => {
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

  app.get(
    '/v1/export',
    {
      schema: {
        tags: ['query'],
        summary: 'Export stored events',
        description: 'Streams events in the order they were stored: NDJSON (canonical events) or CSV.',
        security,
        querystring: Type.Object({
          ...FilterParams.properties,
          format: Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' }),
        }),
      },
    },
    async (req, reply) => {
      const filter = await parseFilter(principalOf(req).tenantId, req.query, apps);
      const format = req.query.format;
      async function* lines(): AsyncGenerator<string> {
        if (format === 'csv') yield CSV_HEADER;
        let after: string | undefined;
        do {
          const page = await store.exportPage({ ...filter, after, limit: EXPORT_PAGE });
          yield page.events.map((doc) => formatExportLine(doc, format)).join('');
          after = page.next ?? undefined;
        } while (after !== undefined);
      }
      void reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
      return reply.send(Readable.from(lines()));
    },
  );
};
