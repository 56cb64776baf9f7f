import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { ErrorResponse } from '../http/schemas.ts';
import { documentedBodyCompiler } from '../http/validator.ts';
import type { Insights } from './insights.service.ts';
import { KINDS } from './kinds/kinds.ts';

export interface InsightRoutesDeps {
  auth: KeyResolver;
  insights: Insights;
}

/** Insights over the tenant's events (docs/insights.md). Read keys (or admin). */
export const insightRoutes: FastifyPluginAsync<InsightRoutesDeps> = async (fastify, { auth, insights }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'read'));

  app.post(
    '/v1/insights/query',
    {
      schema: {
        tags: ['insights'],
        summary: 'Answers an insight definition: trends, funnels or retention',
        description:
          'The definition is checked whole: every field at fault is named in one 400. Buckets are in the definition’s time zone.',
        security: [{ bearer: [] }],
        body: Type.Union(KINDS.map((k) => k.schema)),
        response: {
          200: Type.Unknown({ description: 'The answer: its shape is the kind’s (docs/insights.md).' }),
          '4xx': ErrorResponse,
        },
      },
      // The service validates the definition by its kind, with problems per field.
      validatorCompiler: documentedBodyCompiler,
    },
    async (req) => insights.query(principalOf(req).tenantId, req.body),
  );
};
