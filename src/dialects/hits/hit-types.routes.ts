import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { UsageHubError } from '../../domain/errors.ts';
import { ErrorResponse } from '../../http/schemas.ts';
import { HIT_SCHEMAS, HIT_TYPES, isHitType } from './hit-types.schema.ts';

const errors = { '4xx': ErrorResponse };

/** The JSON Schema of each hit type, as POST /api/stat/hits enforces it. No key needed. */
export const hitTypeRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/stat/hit-types/:type/schema',
    {
      schema: {
        tags: ['hits'],
        summary: 'The JSON Schema of a statistic-hit type',
        description: `Types: ${HIT_TYPES.join(', ')}. The schema POST /api/stat/hits enforces. No key needed.`,
        params: Type.Object({ type: Type.String() }),
        response: { 200: Type.Unknown(), ...errors },
      },
    },
    async (req, reply) => {
      const { type } = req.params;
      if (!isHitType(type)) {
        throw new UsageHubError('not_found', `No hit type ${type}; types: ${HIT_TYPES.join(', ')}.`);
      }
      return reply.type('application/schema+json').send(JSON.stringify(HIT_SCHEMAS[type]));
    },
  );
};
