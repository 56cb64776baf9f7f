import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from './metrics.ts';

export interface OpsDeps {
  metrics: Metrics;
  /** Null when ready to take traffic, else why not. */
  notReadyReason: () => string | null;
}

/** Liveness, readiness and Prometheus metrics. Unauthenticated: they reveal no data. */
export const opsRoutes: FastifyPluginAsync<OpsDeps> = async (app, { metrics, notReadyReason }) => {
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['ops'], summary: 'Readiness' } }, async (_req, reply) => {
    const reason = notReadyReason();
    return reason === null ? { status: 'ready' } : reply.status(503).send({ status: 'not_ready', reason });
  });
  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
