import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../../auth/authenticator.ts';
import { UsageHubError, problem } from '../../domain/errors.ts';
import { requireRole } from '../../http/auth-hook.ts';
import { Ok, adminErrors as errors, adminSchema, tenantOf } from '../../http/admin-route.ts';
import type { MetricRegistry } from './metric-registry.port.ts';
import { METRIC_KEY } from './metric-key.ts';

export interface MetricRoutesDeps {
  auth: KeyResolver;
  registry: MetricRegistry;
  /** Tells this process's caches (metric-set.ts) that the registry changed. */
  changed: () => void;
}

const MetricSchema = Type.Object({
  key: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
});
const metricKey = new RegExp(METRIC_KEY);

/** The metrics an admin defines: the activity_types the aggregated-usage API accepts. */
export const metricRoutes: FastifyPluginAsync<MetricRoutesDeps> = async (fastify, deps) => {
  const { registry, changed } = deps;
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(deps.auth, 'admin'));

  app.get(
    '/v1/metrics',
    {
      schema: {
        ...adminSchema,
        summary: 'Metrics: the activity_types of the aggregated-usage API',
        response: { 200: Type.Object({ metrics: Type.Array(MetricSchema) }), ...errors },
      },
    },
    async (req) => ({ metrics: await registry.list(tenantOf(req)) }),
  );
  app.put(
    '/v1/metrics/:key',
    {
      schema: {
        ...adminSchema,
        summary: 'Define a metric (primary, secondary1, secondary2, …) or change its description',
        params: Type.Object({ key: Type.String() }),
        body: Type.Object(
          { description: Type.Optional(Type.String({ maxLength: 1000 })) },
          { additionalProperties: false },
        ),
        response: { 200: MetricSchema, ...errors },
      },
    },
    async (req) => {
      const { key } = req.params;
      if (!metricKey.test(key)) {
        throw new UsageHubError('invalid_request', undefined, [
          problem(
            'key',
            'field_format',
            `metric ${JSON.stringify(key)} must be primary, or secondary followed by a number`,
          ),
        ]);
      }
      const metric = await registry.put(tenantOf(req), { key, description: req.body.description ?? null });
      changed();
      return metric;
    },
  );
  app.delete(
    '/v1/metrics/:key',
    {
      schema: {
        ...adminSchema,
        summary: 'Remove a metric (stored usage keeps it)',
        params: Type.Object({ key: Type.String() }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      if (!(await registry.remove(tenantOf(req), req.params.key)))
        throw new UsageHubError('not_found', `metric ${req.params.key} is not defined`);
      changed();
      return { ok: true as const };
    },
  );
};
