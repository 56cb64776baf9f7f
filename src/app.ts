import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { IngestAdmission } from './limits/ingest-admission.ts';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { AdminService } from './admin/admin.service.ts';
import { registerAdminRoutes } from './admin/admin.routes.ts';
import { ingestKeyRoutes } from './admin/ingest-keys.routes.ts';
import { quarantineRoutes } from './admin/quarantine.routes.ts';
import type { QuarantineAdmin } from './store/quarantine-admin.ts';
import type { StoreStatus } from './store/store-status.ts';
import type { KeyResolver } from './auth/authenticator.ts';
import { oauthRoutes } from './auth/oauth/oauth.routes.ts';
import type { TokenService } from './auth/oauth/tokens.ts';
import type { Catalog } from './catalog/catalog.port.ts';
import type { EnrichmentDirectory } from './enrichment/enrichment-directory.ts';
import type { LiveService } from './live/live.service.ts';
import { liveRoutes } from './live/live.routes.ts';
import { knownTypes } from './live/known-types.ts';
import { DIALECTS } from './dialects/dialects.ts';
import type { AppDirectory } from './catalog/app-directory.ts';
import type { Config } from './config.ts';
import { UsageHubError } from './domain/errors.ts';
import { SCOPES, SCOPE_HELP } from './domain/scopes.ts';
import { clientErrorHandler, frameworkErrors } from './http/client-errors.ts';
import { installRequestHandling } from './http/request-handling.ts';
import { installBrowserCors } from './http/browser-cors.ts';
import type { IngestPipeline } from './ingest/pipeline.ts';
import type { RequestGuard } from './limits/request-guard.ts';
import type { Metrics } from './ops/metrics.ts';
import { opsRoutes } from './ops/ops.routes.ts';
import { countRoutes } from './query/counts.routes.ts';
import { usageRoutes } from './query/usage.routes.ts';
import { exportRoutes } from './query/export.routes.ts';
import { eventRoutes } from './query/events.routes.ts';
import type { LogTail } from './stream/log-tail.ts';
import { streamRoutes } from './stream/stream.routes.ts';
import type { EventQueries } from './store/event-store.port.ts';
import type { Registries } from './dialects/dialect.ts';
import type { AdminEventType } from './live/event-types.ts';

export interface AppDeps {
  config: Config;
  metrics: Metrics;
  auth: KeyResolver;
  tokens: TokenService;
  catalog: Catalog;
  apps: AppDirectory;
  enrichment: EnrichmentDirectory;
  /** Every module's registries, beside the catalog, and the modules that opened them. */
  registries: Registries;
  live: LiveService;
  admin: AdminService;
  /** Tells Live API subscribers of what admins change. */
  emit: (tenantId: string, type: AdminEventType, data: Record<string, unknown>) => Promise<void>;
  pipeline: IngestPipeline;
  /** Key guessing and key-less work, throttled per address (limits/request-guard.ts). */
  guard: RequestGuard;
  /** The ingest rate limits, checked as soon as a request's key is known (limits/ingest-admission.ts). */
  admission: IngestAdmission;
  queries: EventQueries;
  /** Acknowledged events as they arrive, for live streams. */
  tail: LogTail;
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
  app.decorate('requestGuard', deps.guard);
  app.decorate('ingestAdmission', deps.admission);
  await installRequestHandling(app, (code, source) => deps.metrics.reject(code, source));
  await installBrowserCors(app);
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
          // Segment SDKs: the write key is the user name, the password empty.
          basicWriteKey: { type: 'http', scheme: 'basic' },
          // PostHog SDKs: the project token in the body (api_key, token or $token).
          bodyToken: { type: 'apiKey', in: 'query', name: 'api_key' },
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
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The API reference page is HTML like the console: its own scripts only (hashed by
    // the plugin), and no site may frame it.
    staticCSP: true,
    // usagehub often runs on plain HTTP inside a network: no upgrade of its own assets.
    transformStaticCSP: (csp) =>
      csp
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace(/ ?upgrade-insecure-requests;?/, ''),
    uiHooks: {
      onRequest: (_req, reply, done) => {
        void reply.header('x-frame-options', 'DENY');
        done();
      },
    },
  });

  await app.register(opsRoutes, {
    metrics: deps.metrics,
    notReadyReason: deps.notReadyReason,
    storeStatus: deps.storeStatus,
    metricsKey: deps.config.metricsKey,
  });
  // A worker consumes the log; it answers only health, readiness and metrics.
  if (deps.config.role === 'worker') return app;
  const serve = {
    config: deps.config,
    auth: deps.auth,
    tokens: deps.tokens,
    catalog: deps.catalog,
    apps: deps.apps,
    enrichment: deps.enrichment,
    pipeline: deps.pipeline,
    metrics: deps.metrics,
    queries: deps.queries,
    admission: deps.admission,
    onError: (err: Error, what: string) => app.log.error({ err }, what),
  };
  for (const module of deps.registries.modules) await module.serve?.(app, serve);
  await app.register(oauthRoutes, { catalog: deps.catalog, tokens: deps.tokens, metrics: deps.metrics });
  await app.register(liveRoutes, {
    auth: deps.auth,
    live: deps.live,
    types: knownTypes(deps.queries, DIALECTS),
  });
  await registerAdminRoutes(app, deps);
  await app.register(quarantineRoutes, { auth: deps.auth, quarantine: deps.quarantine });
  await app.register(ingestKeyRoutes, { auth: deps.auth, catalog: deps.catalog });
  const query = { auth: deps.auth, apps: deps.apps, store: deps.queries };
  await app.register(countRoutes, query);
  await app.register(usageRoutes, query);
  await app.register(exportRoutes, query);
  await app.register(eventRoutes, query);
  await app.register(streamRoutes, {
    auth: deps.auth,
    apps: deps.apps,
    tail: deps.tail,
    maxStreams: deps.config.maxStreams,
    maxStreamsPerTenant: deps.config.maxStreamsPerTenant,
    maxStreamsPerKey: deps.config.maxStreamsPerKey,
    heartbeatMs: Math.min(15_000, Math.floor(deps.config.idleTimeoutMs / 2)),
  });
  return app;
}
