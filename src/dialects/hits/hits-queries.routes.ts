import type { FastifyPluginAsync } from 'fastify';
import { Type, type TSchema } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../../auth/authenticator.ts';
import type { AppDirectory } from '../../catalog/app-directory.ts';
import { principalOf, requireRole } from '../../http/auth-hook.ts';
import { ErrorResponse } from '../../http/schemas.ts';
import type { EventQueries } from '../../store/event-store.port.ts';
import { FilterParams, parseFilter } from '../../query/query.params.ts';
import type { QueryFilter } from '../../store/queries.ts';
import { hitQueries } from './hit-queries.ts';

export interface HitQueryDeps {
  auth: KeyResolver;
  apps: AppDirectory;
  store: EventQueries;
}

const HitFilterParams = Type.Object({
  app: FilterParams.properties.app,
  from: FilterParams.properties.from,
  to: FilterParams.properties.to,
});

/** Questions about statistic hits: per media, searches, connections, origins. Read keys. */
export const hitQueryRoutes: FastifyPluginAsync<HitQueryDeps> = async (fastify, { auth, apps, store }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const queries = hitQueries(store);
  app.addHook('onRequest', requireRole(auth, 'read'));

  const route = <R>(path: string, summary: string, row: TSchema, answer: (f: QueryFilter) => Promise<R[]>) =>
    app.get(
      path,
      {
        schema: {
          tags: ['query'],
          summary,
          security: [{ bearer: [] }],
          querystring: HitFilterParams,
          response: { 200: Type.Object({ rows: Type.Array(row) }), '4xx': ErrorResponse },
        },
      },
      async (req) => ({ rows: await answer(await parseFilter(principalOf(req).tenantId, req.query, apps)) }),
    );

  route(
    '/v1/query/hits/medias',
    'Per media: downloads, views, plays, uploads and seconds watched',
    Type.Object({
      media: Type.String(),
      downloads: Type.Number(),
      views: Type.Number(),
      plays: Type.Number(),
      uploads: Type.Number(),
      secondsWatched: Type.Number({ description: 'Per play, the union of its ranges, summed over plays.' }),
    }),
    (f) => queries.mediaUsage(f),
  );
  route(
    '/v1/query/hits/searches',
    'Searches by type, with the average resultCount',
    Type.Object({ searchType: Type.String(), searches: Type.Number(), averageResultCount: Type.Number() }),
    (f) => queries.searchStats(f),
  );
  route(
    '/v1/query/hits/connections',
    'Connection attempts and success rate by mode',
    Type.Object({
      mode: Type.String(),
      attempts: Type.Number(),
      successes: Type.Number(),
      successRate: Type.Number({ description: '0 to 1.' }),
    }),
    (f) => queries.connectionStats(f),
  );
  route(
    '/v1/query/hits/origins',
    'Hits per origin (user interface; -1 third-party) and type',
    Type.Object({ origin: Type.Integer(), type: Type.String(), hits: Type.Number() }),
    (f) => queries.hitsByOrigin(f),
  );
};
