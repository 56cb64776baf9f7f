import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../../auth/authenticator.ts';
import type { AppDirectory } from '../../catalog/app-directory.ts';
import { UsageHubError } from '../../domain/errors.ts';
import type { EnrichmentDirectory } from '../../enrichment/enrichment-directory.ts';
import { principalOf, requireRole } from '../../http/auth-hook.ts';
import { ingestRequest } from '../../http/ingest-request.ts';
import { errorHandler } from '../../http/error-handler.ts';
import { dialectAjv } from '../../http/validator.ts';
import type { IngestPipeline } from '../../ingest/pipeline.ts';
import type { Metrics } from '../../ops/metrics.ts';
import type { MetricSet } from './metric-set.ts';
import { mapAggregated } from './aggregated.mapping.ts';
import { AggregatedBody, AggregatedResponse } from './aggregated.schema.ts';
import { acceptedOrThrow } from '../../http/ingest-outcome.ts';

export interface AggregatedDeps {
  auth: KeyResolver;
  apps: AppDirectory;
  enrichment: EnrichmentDirectory;
  metricSet: MetricSet;
  pipeline: IngestPipeline;
  metrics: Metrics;
}

/** Exactly the API's answers. */
export const UPLOADED = { response_code: '200', response: 'Data Uploaded', status: 'success' } as const;
export const AUTH_FAILURE = {
  response_code: 400,
  response: 'Authentication Failure',
  status: 'failure',
} as const;

/**
 * The API's envelope for every failure. A missing or wrong key is the API's fixed
 * `Authentication Failure`; anything else names the field at fault in `response`, and
 * carries usagehub's stable code and per-field details besides.
 */
function aggregatedEnvelope(e: UsageHubError) {
  if (e.code === 'unauthorized' || e.code === 'forbidden') return { status: 400, body: AUTH_FAILURE };
  const reasons = e.details.map((d) => d.reason);
  return {
    status: e.status,
    body: {
      response_code: e.status,
      response: reasons.length > 0 ? reasons.join('; ') : e.message,
      status: 'failure',
      code: e.code,
      details: e.details.map((d) => ({ field: d.field, code: d.code, reason: d.reason })),
    },
  };
}

/** The aggregated-usage API: `POST /api/product/aggregateusage` with `X-API-KEY`. */
export const aggregatedRoutes: FastifyPluginAsync<AggregatedDeps> = async (fastify, deps) => {
  fastify.setErrorHandler(
    errorHandler(aggregatedEnvelope, (code, source) => deps.metrics.reject(code, source)),
  );
  const header = (req: FastifyRequest) => {
    const key = req.headers['x-api-key'];
    return typeof key === 'string' && key !== '' ? key : null;
  };
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/api/product/aggregateusage',
    {
      schema: {
        tags: ['aggregated'],
        summary: 'Upload aggregated usage',
        description:
          'Header X-API-KEY: an ingest key (admins create and revoke them; read keys may list them). See docs/aggregated.md.',
        security: [{ apiKey: [] }],
        body: AggregatedBody,
        response: { 200: AggregatedResponse, '4xx': AggregatedResponse },
      },
      validatorCompiler: ({ schema }) => dialectAjv.compile(schema),
      onRequest: requireRole(deps.auth, 'ingest', header),
      config: { ingestSource: 'aggregated' },
    },
    async (req) => {
      const { tenantId } = principalOf(req);
      const [findApp, ranges, metrics] = await Promise.all([
        deps.apps.lookup(tenantId),
        deps.enrichment.ranges(tenantId),
        deps.metricSet.keys(tenantId),
      ]);
      const tenant = { ranges, metrics };
      const mapped = mapAggregated(req.body.payload, tenantId, findApp, tenant, Date.now());
      if (mapped.outcome === 'invalid')
        throw new UsageHubError('validation_failed', undefined, mapped.problems);
      acceptedOrThrow(await deps.pipeline.ingest([mapped.event], ingestRequest(req)));
      return UPLOADED;
    },
  );
};
