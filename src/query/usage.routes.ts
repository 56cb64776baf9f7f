import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import type { AppDirectory } from '../catalog/app-directory.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { EventQueries } from '../store/event-store.port.ts';
import { FilterParams, parseFilter } from './query.params.ts';
import { USAGE_DIMENSIONS, type UsageDimension } from '../store/queries.ts';
import { UsageHubError, problem } from '../domain/errors.ts';
import { SOURCES } from '../domain/event.ts';

export interface UsageDeps {
  auth: KeyResolver;
  apps: AppDirectory;
  store: EventQueries;
}

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };

/** Usage (the sum of counts) split by company, domain, metric, app, environment; top companies. Read keys. */
export const usageRoutes: FastifyPluginAsync<UsageDeps> = async (fastify, { auth, apps, store }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'read'));

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
};
