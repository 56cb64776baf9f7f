import crypto from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { UsageHubError } from '../domain/errors.ts';
import type { Metrics } from './metrics.ts';
import type { StoreStatus } from '../store/store-status.ts';

export interface OpsDeps {
  metrics: Metrics;
  /** Null when ready to take traffic, else why not. */
  notReadyReason: () => string | null;
  storeStatus: () => Promise<StoreStatus>;
  /** '' : loopback clients only (config.ts). */
  metricsKey: string;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Who may read /metrics: its counters and gauges span every tenant. With a metrics key,
 * whoever presents it; without, only clients on this machine.
 */
function metricsGuard(metricsKey: string) {
  const expected = Buffer.from(`Bearer ${metricsKey}`);
  return async (req: FastifyRequest): Promise<void> => {
    if (metricsKey === '') {
      if (!LOOPBACK.test(req.socket.remoteAddress ?? '')) {
        throw new UsageHubError(
          'forbidden',
          '/metrics answers clients on this machine only; set USAGEHUB_METRICS_KEY to scrape it from elsewhere.',
        );
      }
      return;
    }
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
      throw new UsageHubError('unauthorized', '/metrics needs Authorization: Bearer <USAGEHUB_METRICS_KEY>.');
  };
}

/** Liveness, readiness and Prometheus metrics. Health and readiness reveal no data; metrics are guarded. */
export const opsRoutes: FastifyPluginAsync<OpsDeps> = async (
  app,
  { metrics, notReadyReason, storeStatus, metricsKey },
) => {
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Readiness',
        description:
          'Ready means ingest is taken. A failing store does not make a server unready (the log keeps ' +
          'acknowledging); `store` says how the store writer is doing (docs/operations.md).',
      },
    },
    async (_req, reply) => {
      const reason = notReadyReason();
      if (reason !== null) return reply.status(503).send({ status: 'not_ready', reason });
      // The store's state is shown when it is not well: a failing store leaves ingest ready.
      const store = await storeStatus();
      return store.state === 'ok' ? { status: 'ready' } : { status: 'ready', store };
    },
  );
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics',
        description:
          'Loopback clients only, unless USAGEHUB_METRICS_KEY is set: then Authorization: Bearer <it>.',
      },
      onRequest: metricsGuard(metricsKey),
    },
    async (_req, reply) => {
      void reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
