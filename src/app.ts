import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { AdminService } from './admin/admin.service.ts';
import { adminRoutes } from './admin/admin.routes.ts';
import { quarantineRoutes } from './admin/quarantine.routes.ts';
import type { QuarantineAdmin } from './store/quarantine-admin.ts';
import type { StoreStatus } from './store/store-status.ts';
import type { Authenticator } from './auth/authenticator.ts';
import { oauthRoutes } from './auth/oauth/oauth.routes.ts';
import type { TokenService } from './auth/oauth/tokens.ts';
import type { Catalog } from './catalog/catalog.ts';
import { pushRoutes } from './dialects/push/push.routes.ts';
import { hitsRoutes } from './dialects/hits/hits.routes.ts';
import type { HitRegistry } from './dialects/hits/hit-registry.ts';
import { aggregatedRoutes } from './dialects/aggregated/aggregated.routes.ts';
import type { EnrichmentDirectory } from './enrichment/enrichment-directory.ts';
import { sessionsRoutes } from './dialects/sessions/sessions.routes.ts';
import type { SessionTypeRegistry } from './dialects/sessions/session-types.ts';
import type { LiveService } from './live/live-service.ts';
import { liveRoutes } from './live/live.routes.ts';
import type { AppDirectory } from './catalog/app-directory.ts';
import type { Config } from './config.ts';
import { nativeRoutes } from './dialects/native/native.routes.ts';
import { UsageHubError } from './domain/errors.ts';
import { SCOPES, SCOPE_HELP } from './auth/oauth/scopes.ts';
import { errorHandler, nativeEnvelope } from './http/error-handler.ts';
import { clientErrorHandler, frameworkErrors } from './http/client-errors.ts';
import { installBodyHandling } from './http/body.ts';
import { bodyAjv, paramsAjv } from './http/validator.ts';
import type { IngestPipeline } from './ingest/pipeline.ts';
import type { Metrics } from './ops/metrics.ts';
import { opsRoutes } from './ops/ops.routes.ts';
import { queryRoutes } from './query/query.routes.ts';
import { hitQueryRoutes } from './query/hit-queries.routes.ts';
import type { EventQueries } from './store/event-store.ts';

export interface AppDeps {
  config: Config;
  metrics: Metrics;
  auth: Authenticator;
  tokens: TokenService;
  catalog: Catalog;
  apps: AppDirectory;
  hitRegistry: HitRegistry;
  enrichment: EnrichmentDirectory;
  sessionTypes: SessionTypeRegistry;
  live: LiveService;
  admin: AdminService;
  pipeline: IngestPipeline;
  queries: EventQueries;
  quarantine: QuarantineAdmin;
  storeStatus: () => Promise<StoreStatus>;
  notReadyReason: () => string | null;
  logger?: FastifyServerOptions['logger'];
}

/**
 * Builds the HTTP application from its dependencies. It never listens: `main.ts`
 * does, and tests call `inject`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    // Per-request log lines would cost more than the ingest itself at tens of
    // thousands of requests a second; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // During shutdown, requests get usagehub's own `not_ready` (below), not Fastify's body.
    return503OnClosing: false,
    bodyLimit: deps.config.maxBodyBytes,
    // Every place a client can hold a connection has a deadline (docs/operations.md).
    requestTimeout: deps.config.requestTimeoutMs,
    connectionTimeout: deps.config.idleTimeoutMs,
    keepAliveTimeout: deps.config.keepAliveTimeoutMs,
    http: {
      headersTimeout: deps.config.headersTimeoutMs,
      // Node enforces both timeouts on a periodic sweep (every 30 s by default), which
      // would let a stalled request outlive its deadline by up to that long.
      connectionsCheckingInterval: Math.min(1000, Math.floor(deps.config.headersTimeoutMs / 4)),
    },
    clientErrorHandler: clientErrorHandler((code) => deps.metrics.reject(code)),
    frameworkErrors: frameworkErrors((code) => deps.metrics.reject(code)),
  });
  // Query strings and path parameters arrive as text and are converted to the schema's
  // types; bodies are JSON and are taken as they are, never coerced.
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? bodyAjv.compile(schema) : paramsAjv.compile(schema),
  );
  await installBodyHandling(app);
  app.decorateRequest('principal', null);
  app.decorateRequest('client', null);
  app.addHook('onRequest', (_req, _reply, done) => {
    const reason = deps.notReadyReason();
    done(
      reason === null ? undefined : new UsageHubError('not_ready', `usagehub is ${reason}; retry shortly.`),
    );
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'usagehub',
        version: '0.1.0',
        description: 'Self-hosted hub for product usage events. Errors: see docs/errors.md.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY' },
          oauth2: {
            type: 'oauth2',
            flows: {
              clientCredentials: {
                tokenUrl: '/oauth2/token',
                scopes: Object.fromEntries(SCOPES.map((s) => [s, SCOPE_HELP[s]])),
              },
            },
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler(
    errorHandler(
      (e, req) => ({ status: e.status, body: nativeEnvelope(e, req) }),
      (code, source) => deps.metrics.reject(code, source),
    ),
  );
  app.setNotFoundHandler((req, reply) => {
    const e = new UsageHubError('route_not_found', `No route ${req.method} ${req.url.split('?')[0]}.`);
    deps.metrics.reject(e.code);
    void reply.status(404).send(nativeEnvelope(e, req));
  });
  await app.register(opsRoutes, {
    metrics: deps.metrics,
    notReadyReason: deps.notReadyReason,
    storeStatus: deps.storeStatus,
    metricsKey: deps.config.metricsKey,
  });
  // A worker consumes the log; it answers only health, readiness and metrics.
  if (deps.config.role === 'worker') return app;
  await app.register(nativeRoutes, {
    auth: deps.auth,
    apps: deps.apps,
    pipeline: deps.pipeline,
    maxBatchEvents: deps.config.maxBatchEvents,
    maxBodyBytes: deps.config.maxBodyBytes,
  });
  await app.register(oauthRoutes, { catalog: deps.catalog, tokens: deps.tokens, metrics: deps.metrics });
  await app.register(pushRoutes, {
    tokens: deps.tokens,
    apps: deps.apps,
    pipeline: deps.pipeline,
    metrics: deps.metrics,
  });
  await app.register(hitsRoutes, {
    auth: deps.auth,
    catalog: deps.catalog,
    apps: deps.apps,
    registry: deps.hitRegistry,
    pipeline: deps.pipeline,
  });
  await app.register(aggregatedRoutes, {
    auth: deps.auth,
    apps: deps.apps,
    enrichment: deps.enrichment,
    pipeline: deps.pipeline,
    metrics: deps.metrics,
  });
  await app.register(sessionsRoutes, {
    auth: deps.auth,
    apps: deps.apps,
    types: deps.sessionTypes,
    pipeline: deps.pipeline,
    metrics: deps.metrics,
  });
  await app.register(liveRoutes, { auth: deps.auth, live: deps.live });
  await app.register(adminRoutes, { auth: deps.auth, admin: deps.admin });
  await app.register(quarantineRoutes, { auth: deps.auth, quarantine: deps.quarantine });
  await app.register(queryRoutes, {
    auth: deps.auth,
    apps: deps.apps,
    store: deps.queries,
    catalog: deps.catalog,
    sessionIdleMs: deps.config.sessionIdleSeconds * 1000,
  });
  await app.register(hitQueryRoutes, { auth: deps.auth, apps: deps.apps, store: deps.queries });
  return app;
}
