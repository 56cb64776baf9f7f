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
import { FilterParams, IntervalParam, MAX_LIST_CHARS, MAX_TIME_CHARS, parseFilter } from './query.params.ts';
import { GROUP_BYS, USAGE_DIMENSIONS, type GroupBy, type UsageDimension } from './query.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { UsageHubError, problem } from '../domain/errors.ts';
import { SOURCES } from '../domain/event.ts';

export interface QueryDeps {
  auth: Authenticator;
  catalog: Catalog;
  /** Sessions v3: how long a START without an END stays open. */
  sessionIdleMs: number;
  apps: AppDirectory;
  store: EventQueries;
}

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };
const EXPORT_PAGE = 5000;

/** The query API: counts, distinct users, top users, and export. Read keys (or admin). */
export const queryRoutes: FastifyPluginAsync<QueryDeps> = async (
  fastify,
  { auth, apps, store, catalog, sessionIdleMs },
) => {
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
    '/v1/query/usage',
    {
      schema: {
        tags: ['query'],
        summary: 'Usage (the sum of counts) split by company, domain, activity type, app, environment',
        description:
          'For aggregated usage: groupBy=company,domain,activityType with interval=day gives usage per company and ' +
          'domain per activity_type and day; groupBy=app,environment per product and environment. interval=none: one total. ' +
          'Counts aggregated-usage events only, unless `source` names other dialects (or `all`).',
        security,
        querystring: Type.Object({
          ...FilterParams.properties,
          interval: Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('none')], {
            default: 'day',
          }),
          groupBy: Type.String({
            default: 'company',
            maxLength: 200,
            description: `Comma-separated: ${USAGE_DIMENSIONS.join(', ')}.`,
          }),
          source: Type.String({
            default: 'aggregated',
            maxLength: 200,
            description: `The dialects whose events count, comma-separated (${SOURCES.join(', ')}), or all.`,
          }),
        }),
        response: {
          200: Type.Object({
            rows: Type.Array(
              Type.Object({
                bucket: Type.Union([Type.String(), Type.Null()]),
                count: Type.Number(),
                ...Object.fromEntries(
                  USAGE_DIMENSIONS.map((d) => [d, Type.Optional(Type.Union([Type.String(), Type.Null()]))]),
                ),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const dimensions = req.query.groupBy
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
      const unknown = dimensions.filter((d) => !(USAGE_DIMENSIONS as readonly string[]).includes(d));
      if (unknown.length > 0 || dimensions.length === 0) {
        throw new UsageHubError('invalid_request', undefined, [
          problem(
            'groupBy',
            'field_format',
            `groupBy takes ${USAGE_DIMENSIONS.join(', ')}; got ${req.query.groupBy}`,
          ),
        ]);
      }
      const sources =
        req.query.source === 'all' ? undefined : req.query.source.split(',').map((d) => d.trim());
      const unknownSource = sources?.filter((d) => !(SOURCES as readonly string[]).includes(d)) ?? [];
      if (unknownSource.length > 0 || sources?.length === 0) {
        throw new UsageHubError('invalid_request', undefined, [
          problem(
            'source',
            'field_format',
            `source takes ${SOURCES.join(', ')} or all; got ${req.query.source}`,
          ),
        ]);
      }
      const filter = await parseFilter(principalOf(req).tenantId, req.query, apps);
      const interval = req.query.interval === 'none' ? null : req.query.interval;
      return {
        rows: await store.usage({
          ...filter,
          interval,
          dimensions: [...new Set(dimensions)] as UsageDimension[],
          sources,
        }),
      };
    },
  );

  app.get(
    '/v1/query/top-companies',
    {
      schema: {
        tags: ['query'],
        summary: 'Companies with the most usage over a range',
        security,
        querystring: Type.Object({
          ...FilterParams.properties,
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
        }),
        response: {
          200: Type.Object({
            rows: Type.Array(
              Type.Object({ company: Type.String(), count: Type.Number(), domains: Type.Number() }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const filter = await parseFilter(principalOf(req).tenantId, req.query, apps);
      return { rows: await store.topCompanies({ ...filter, limit: req.query.limit }) };
    },
  );

  app.get(
    '/v1/ingest-keys',
    {
      schema: {
        tags: ['query'],
        summary: 'The live ingest keys (the aggregated-usage API’s X-API-KEY), for any read key',
        description:
          'Non-admins may see which keys exist (id, name, prefix) but never create or revoke one. ' +
          'The secret itself is shown only when an admin creates the key: usagehub keeps its hash.',
        security,
        response: {
          200: Type.Object({
            keys: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                prefix: Type.String(),
                createdAt: Type.String(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const keys = await catalog.listKeys(principalOf(req).tenantId);
      return {
        keys: keys
          .filter((k) => k.role === 'ingest' && k.revokedAt === null)
          .map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt })),
      };
    },
  );

  const SessionParams = {
    app: FilterParams.properties.app,
    from: Type.Optional(
      Type.String({
        maxLength: MAX_TIME_CHARS,
        description: 'Sessions started at or after: Unix ms or ISO 8601.',
      }),
    ),
    to: Type.Optional(
      Type.String({
        maxLength: MAX_TIME_CHARS,
        description: 'Sessions started before: Unix ms or ISO 8601.',
      }),
    ),
    type: Type.Optional(
      Type.String({ maxLength: MAX_LIST_CHARS, description: 'Session types, comma-separated.' }),
    ),
  };
  const sessionFilter = async (
    tenantId: string,
    query: { app?: string; from?: string; to?: string; type?: string },
  ) => {
    const filter = await parseFilter(tenantId, query, apps);
    const types = query.type
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    return { ...filter, types, idleMs: sessionIdleMs, now: Date.now() };
  };
  const nullableNumber = Type.Union([Type.Number(), Type.Null()]);

  app.get(
    '/v1/query/sessions',
    {
      schema: {
        tags: ['query'],
        summary: 'Sessions v3 per type: count, total, p50 and p90 duration; open and timed out',
        description:
          'Over sessions started in the range. Durations in seconds, of closed sessions (START and END joined).',
        security,
        querystring: Type.Object(SessionParams),
        response: {
          200: Type.Object({
            rows: Type.Array(
              Type.Object({
                type: Type.String(),
                sessions: Type.Number(),
                totalDurationSeconds: Type.Number(),
                p50DurationSeconds: nullableNumber,
                p90DurationSeconds: nullableNumber,
                open: Type.Number(),
                timedOut: Type.Number(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({
      rows: await store.sessionStats(await sessionFilter(principalOf(req).tenantId, req.query)),
    }),
  );

  app.get(
    '/v1/query/sessions/list',
    {
      schema: {
        tags: ['query'],
        summary: 'Sessions v3, one by one: open now, timed out, closed, waiting for START, or in conflict',
        description:
          'state=open: started, not ended, active within the idle timeout; timed_out: idle past it; ' +
          'waiting_for_start: an END whose START has not arrived; conflict: a second START or END was received.',
        security,
        querystring: Type.Object({
          ...SessionParams,
          state: Type.Optional(
            Type.Union([
              Type.Literal('open'),
              Type.Literal('timed_out'),
              Type.Literal('closed'),
              Type.Literal('waiting_for_start'),
              Type.Literal('conflict'),
            ]),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
        }),
        response: {
          200: Type.Object({
            rows: Type.Array(
              Type.Object({
                app: Type.String(),
                session: Type.String(),
                type: Type.Union([Type.String(), Type.Null()]),
                state: Type.String(),
                startedAt: nullableNumber,
                endedAt: nullableNumber,
                lastEventAt: Type.Number(),
                durationSeconds: nullableNumber,
                updates: Type.Number(),
                starts: Type.Number(),
                ends: Type.Number(),
                entities: Type.Array(Type.Object({ key: Type.String(), value: Type.Unknown() })),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({
      rows: await store.sessions({
        ...(await sessionFilter(principalOf(req).tenantId, req.query)),
        state: req.query.state,
        limit: req.query.limit,
      }),
    }),
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
          yield page.events.map((doc, i) => formatExportLine(doc, format, page.seqs[i]!)).join('');
          after = page.next ?? undefined;
        } while (after !== undefined);
      }
      void reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
      return reply.send(Readable.from(lines()));
    },
  );
};
