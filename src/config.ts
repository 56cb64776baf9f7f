/**
 * usagehub configuration: one schema, parsed once at start, frozen.
 *
 * Sources, lowest to highest precedence: defaults, environment, explicit overrides
 * (command-line flags). Nothing else in `src/` reads `process.env`.
 */
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import path from 'node:path';
import { checkPorts, engineOf, portUrls } from './port-settings.ts';

const MiB = 1024 * 1024;

export const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  host: Type.String({ default: '0.0.0.0' }),
  dataDir: Type.String({ minLength: 1, default: './data' }),
  logLevel: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info' },
  ),
  /** Largest native batch, in events; checked before any event is processed. */
  maxBatchEvents: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
  /** Largest request body, in bytes; enforced while the body streams in. */
  maxBodyBytes: Type.Integer({ minimum: 1024, default: 5 * MiB }),
  /**
   * How long a client may take to send a whole request, headers and body; past it the
   * answer is 408 and the connection is closed (a body that never finishes holds nothing).
   */
  requestTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000 }),
  /** How long a client may take to send the request headers. At most requestTimeoutMs. */
  headersTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 15_000 }),
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 72_000 }),
  /** A connection on which nothing at all moves for this long is closed. */
  idleTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 120_000 }),
  /** How long a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  /** How long an insight query may run before it is stopped with 503 query_timeout. */
  queryTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
  /** DuckDB memory ceiling for the embedded store (DuckDB syntax, e.g. "512MB"). */
  storeMemoryLimit: Type.String({ default: '512MB' }),
  storeThreads: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
  /** Sessions v3: a START without an END times out after this long without events. */
  sessionIdleSeconds: Type.Integer({ minimum: 1, default: 1800 }),
  /**
   * Live API: CIDR ranges (comma-separated) of otherwise refused addresses — loopback,
   * private, link-local — that endpoints may use anyway; for development and tests.
   */
  liveAllowAddresses: Type.String({ default: '' }),
  /** Live API: how long a delivery or verification may take before it counts as failed. */
  liveTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  /** Live API: an endpoint whose every attempt failed for this long is shown as failing. */
  liveFailingAfterSeconds: Type.Integer({ minimum: 1, default: 3600 }),
  /** Live API: deliveries in flight at once, per endpoint. */
  liveConcurrency: Type.Integer({ minimum: 1, maximum: 256, default: 16 }),
  /** Live streams of acknowledged events (`GET /v1/stream`, the console's tail) one process serves at once. */
  maxStreams: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
  /** The same for one tenant, and for one key: one client cannot take every stream of the process. */
  maxStreamsPerTenant: Type.Integer({ minimum: 1, maximum: 10_000, default: 20 }),
  maxStreamsPerKey: Type.Integer({ minimum: 1, maximum: 10_000, default: 5 }),
  /**
   * Rate limits (docs/operations.md), token buckets holding limitBurstSeconds of each
   * rate: requests and events per second for each ingest key (API key, write key, OAuth
   * client) and for each tenant. Over one, ingest answers 429 with Retry-After.
   */
  limitKeyRequestsPerSecond: Type.Number({ exclusiveMinimum: 0, default: 1000 }),
  limitKeyEventsPerSecond: Type.Number({ exclusiveMinimum: 0, default: 10_000 }),
  limitTenantRequestsPerSecond: Type.Number({ exclusiveMinimum: 0, default: 2000 }),
  limitTenantEventsPerSecond: Type.Number({ exclusiveMinimum: 0, default: 20_000 }),
  /** Request bodies per second, decoded (what a gzip body inflates to counts). */
  limitKeyBytesPerSecond: Type.Number({ exclusiveMinimum: 0, default: 8 * MiB }),
  limitTenantBytesPerSecond: Type.Number({ exclusiveMinimum: 0, default: 16 * MiB }),
  limitBurstSeconds: Type.Number({ minimum: 1, maximum: 3600, default: 2 }),
  /** Requests per second from one address (an IPv6 /64) whose key usagehub has not yet checked: the key rides deep in the body, or there is none. */
  limitUnauthenticatedPerSecond: Type.Number({ exclusiveMinimum: 0, default: 1 }),
  /**
   * Scale profile: a Redis server (`redis://host:6379`) through which every ingest process
   * shares the rate limits' buckets; without it, each process holds the rates alone.
   */
  redis: Type.String({ default: '' }),
  /** Failed authentications per minute from one address, and against one key prefix, before further attempts wait. */
  limitAuthFailuresPerMinute: Type.Number({ exclusiveMinimum: 0, default: 10 }),
  /** How long a console sign-in lasts before the key must be given again, in hours. */
  consoleSessionHours: Type.Number({ minimum: 0.01, maximum: 720, default: 12 }),
  /** Lifetime of OAuth access tokens (client credentials grant), in seconds. */
  tokenTtlSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 3600 }),
  /**
   * Where each port lives (port-settings.ts): the event log on NATS JetStream
   * (`nats://host:4222`, several comma-separated) or the embedded file; the catalog, the
   * event store and the Live store on PostgreSQL (`postgres://user@host/db?schema=usagehub`)
   * or the embedded files in dataDir. `store` sets all three at once; each port's own
   * setting wins over it. After loading, each holds its resolved URL (`sqlite:`,
   * `duckdb:` for the embedded files), and `log` is empty for the embedded log.
   */
  log: Type.String({ default: '' }),
  store: Type.String({ default: '' }),
  catalog: Type.String({ default: '' }),
  eventStore: Type.String({ default: '' }),
  liveStore: Type.String({ default: '' }),
  /** Scale profile: what this process does — answer HTTP (ingest), consume the log (worker), or both. */
  role: Type.Union([Type.Literal('all'), Type.Literal('ingest'), Type.Literal('worker')], { default: 'all' }),
  /** Scale profile: apply missing PostgreSQL schema migrations at start instead of refusing to start. */
  migrate: Type.Boolean({ default: false }),
  /** Scale profile: the JetStream stream's name, and its replicas when usagehub creates it. */
  logStream: Type.String({ pattern: '^[A-Za-z0-9_-]+$', default: 'USAGEHUB' }),
  logReplicas: Type.Union([Type.Literal(1), Type.Literal(3), Type.Literal(5)], { default: 1 }),
  /** Scale profile: a worker that holds a log batch this long without finishing it is presumed dead. */
  logAckWaitSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  /** Scale profile: store writers per worker process, each with its own PostgreSQL connection. */
  storeWriters: Type.Integer({ minimum: 1, maximum: 32, default: 2 }),
  /**
   * A bearer token that /metrics requires (Prometheus' `authorization` setting). Without
   * one, /metrics answers loopback clients only: its counters span every tenant.
   */
  metricsKey: Type.String({ default: '' }),
  /** Where the CLI finds a running server, and the key it uses there. */
  url: Type.Optional(Type.String()),
  key: Type.Optional(Type.String()),
});

export type Config = Readonly<Static<typeof ConfigSchema>>;
export type ConfigOverrides = Partial<Static<typeof ConfigSchema>>;

/** Environment variable → config field. Numbers are converted by the schema, not here. */
const ENV: Readonly<Record<string, keyof Static<typeof ConfigSchema>>> = {
  PORT: 'port',
  HOST: 'host',
  USAGEHUB_DATA_DIR: 'dataDir',
  USAGEHUB_LOG_LEVEL: 'logLevel',
  USAGEHUB_MAX_BATCH_EVENTS: 'maxBatchEvents',
  USAGEHUB_MAX_BODY_BYTES: 'maxBodyBytes',
  USAGEHUB_SHUTDOWN_TIMEOUT_MS: 'shutdownTimeoutMs',
  USAGEHUB_QUERY_TIMEOUT_MS: 'queryTimeoutMs',
  USAGEHUB_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  USAGEHUB_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
  USAGEHUB_KEEP_ALIVE_TIMEOUT_MS: 'keepAliveTimeoutMs',
  USAGEHUB_IDLE_TIMEOUT_MS: 'idleTimeoutMs',
  USAGEHUB_STORE_MEMORY_LIMIT: 'storeMemoryLimit',
  USAGEHUB_STORE_THREADS: 'storeThreads',
  USAGEHUB_TOKEN_TTL_SECONDS: 'tokenTtlSeconds',
  USAGEHUB_MAX_STREAMS: 'maxStreams',
  USAGEHUB_MAX_STREAMS_PER_TENANT: 'maxStreamsPerTenant',
  USAGEHUB_MAX_STREAMS_PER_KEY: 'maxStreamsPerKey',
  USAGEHUB_CONSOLE_SESSION_HOURS: 'consoleSessionHours',
  USAGEHUB_LIMIT_KEY_REQUESTS_PER_SECOND: 'limitKeyRequestsPerSecond',
  USAGEHUB_LIMIT_KEY_EVENTS_PER_SECOND: 'limitKeyEventsPerSecond',
  USAGEHUB_LIMIT_TENANT_REQUESTS_PER_SECOND: 'limitTenantRequestsPerSecond',
  USAGEHUB_LIMIT_TENANT_EVENTS_PER_SECOND: 'limitTenantEventsPerSecond',
  USAGEHUB_LIMIT_BURST_SECONDS: 'limitBurstSeconds',
  USAGEHUB_REDIS: 'redis',
  USAGEHUB_LIMIT_KEY_BYTES_PER_SECOND: 'limitKeyBytesPerSecond',
  USAGEHUB_LIMIT_TENANT_BYTES_PER_SECOND: 'limitTenantBytesPerSecond',
  USAGEHUB_LIMIT_UNAUTHENTICATED_PER_SECOND: 'limitUnauthenticatedPerSecond',
  USAGEHUB_LIMIT_AUTH_FAILURES_PER_MINUTE: 'limitAuthFailuresPerMinute',
  USAGEHUB_LIVE_ALLOW_ADDRESSES: 'liveAllowAddresses',
  USAGEHUB_LIVE_TIMEOUT_MS: 'liveTimeoutMs',
  USAGEHUB_LIVE_CONCURRENCY: 'liveConcurrency',
  USAGEHUB_LIVE_FAILING_AFTER_SECONDS: 'liveFailingAfterSeconds',
  USAGEHUB_SESSION_IDLE_SECONDS: 'sessionIdleSeconds',
  USAGEHUB_LOG: 'log',
  USAGEHUB_STORE: 'store',
  USAGEHUB_CATALOG: 'catalog',
  USAGEHUB_EVENT_STORE: 'eventStore',
  USAGEHUB_LIVE_STORE: 'liveStore',
  USAGEHUB_ROLE: 'role',
  USAGEHUB_MIGRATE: 'migrate',
  USAGEHUB_LOG_STREAM: 'logStream',
  USAGEHUB_LOG_REPLICAS: 'logReplicas',
  USAGEHUB_LOG_ACK_WAIT_SECONDS: 'logAckWaitSeconds',
  USAGEHUB_STORE_WRITERS: 'storeWriters',
  USAGEHUB_METRICS_KEY: 'metricsKey',
  USAGEHUB_URL: 'url',
  USAGEHUB_KEY: 'key',
};

/** DuckDB's own variable for its allocator (its bundled jemalloc). */
export const DUCKDB_ALLOCATOR_VARIABLE = 'DUCKDB_JE_MALLOC_CONF';
/** What the server sets it to unless the operator has: freed pages kept ten seconds. */
export const DUCKDB_ALLOCATOR_DEFAULT = 'dirty_decay_ms:10000,muzzy_decay_ms:10000';

/**
 * Gives DuckDB's allocator usagehub's setting unless the operator set one. With DuckDB's
 * own, a server storing a steady stream of events (an apply every quarter second) kept
 * touching fresh pages — about 0.2 page faults per ingested event in DuckDB's threads,
 * against 0.07 with freed pages kept ten seconds (bench:sdk, Segment) — and a first touch
 * costs ~10 µs on the virtual machines we measure on (docs/storage.md).
 *
 * jemalloc reads the variable once, when DuckDB loads, from the process's environment,
 * which only the main thread's process.env writes (a worker's is a copy native code does
 * not see): the command line calls this before any command opens an engine.
 */
export function settleDuckDbAllocator(env: NodeJS.ProcessEnv = process.env): void {
  env[DUCKDB_ALLOCATOR_VARIABLE] ??= DUCKDB_ALLOCATOR_DEFAULT;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses configuration and freezes it. Throws ConfigError naming the variable or flag
 * at fault, so a bad setting stops the process at start with a clear message.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const [name, field] of Object.entries(ENV)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') {
      input[field] = raw;
      origin[field] = `environment variable ${name}`;
    }
  }
  for (const [field, value] of Object.entries(overrides)) {
    if (value !== undefined) {
      input[field] = value;
      origin[field] = `option --${field.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;
    }
  }
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, input));
  const errors = [...Value.Errors(ConfigSchema, converted)];
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const field = e.instancePath.replace(/^\//, '');
      return `${origin[field] ?? field}: ${e.message} (got ${JSON.stringify(input[field])})`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const config = converted as Static<typeof ConfigSchema>;
  config.dataDir = path.resolve(config.dataDir);
  if (config.store && engineOf(config.store) !== 'postgres')
    throw new ConfigError(
      'invalid configuration:\n  USAGEHUB_STORE: a postgres:// URL (it sets the catalog, the event store and the Live store at once), or nothing',
    );
  const urls = portUrls(config);
  const portProblem = checkPorts(urls);
  if (portProblem) throw new ConfigError(`invalid configuration:\n  ${portProblem}`);
  Object.assign(config, urls, { log: engineOf(urls.log) === 'nats' ? urls.log : '' });
  const profileProblem = checkProfile(config);
  if (profileProblem) throw new ConfigError(`invalid configuration:\n  ${profileProblem}`);
  return Object.freeze(config);
}

/** The settings that choose the profile must agree with each other. */
function checkProfile(c: Static<typeof ConfigSchema>): string | null {
  if (c.headersTimeoutMs > c.requestTimeoutMs)
    return `headersTimeoutMs (${c.headersTimeoutMs}) must not be longer than requestTimeoutMs (${c.requestTimeoutMs})`;
  if (!c.log && c.role !== 'all')
    return `role ${c.role}: only the scale profile splits roles; the embedded profile runs as one process (role all)`;
  return null;
}

/** Whether the configuration chooses the scale profile (a shared JetStream log, and PostgreSQL). */
export const isScaleProfile = (c: Config): boolean => c.log !== '';
