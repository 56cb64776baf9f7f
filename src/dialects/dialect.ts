/**
 * What a dialect is to the rest of usagehub: one descriptor per folder, registered in
 * dialects.ts. A dialect opens its own registries beside the catalog, serves the routes
 * that speak it (and its queries), adds admin routes for its registries, and may name
 * Live event types of its own. docs/architecture.md has the checklist for adding one.
 */
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { KeyResolver } from '../auth/authenticator.ts';
import type { TokenService } from '../auth/oauth/tokens.ts';
import type { AppDirectory } from '../catalog/app-directory.ts';
import type { CatalogPlace } from '../catalog/catalog-place.ts';
import type { App, Catalog } from '../catalog/catalog.port.ts';
import type { CatalogChanges } from '../catalog/changes.ts';
import type { IpRangeTable } from '../enrichment/ip-range-table.port.ts';
import type { Config } from '../config.ts';
import type { UsageEvent } from '../domain/event.ts';
import type { EnrichmentDirectory } from '../enrichment/enrichment-directory.ts';
import type { IngestPipeline } from '../ingest/pipeline.ts';
import type { IngestAdmission } from '../limits/ingest-admission.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { EventLog } from '../log/event-log.port.ts';
import type { ProfileEventType } from '../live/event-types.ts';
import type { EventQueries } from '../store/event-store.port.ts';
import type { Projection } from '../store/projection.ts';
import type { Migration } from '../storage/pg-migrations.ts';

/** What a dialect's serving routes may use: the shared parts of the server. */
export interface ServeDeps {
  config: Config;
  auth: KeyResolver;
  tokens: TokenService;
  catalog: Catalog;
  apps: AppDirectory;
  enrichment: EnrichmentDirectory;
  pipeline: IngestPipeline;
  metrics: Metrics;
  queries: EventQueries;
  /** The ingest limits, to which the limits module attaches tenants' own settings. */
  admission: IngestAdmission;
  /** Something failed and will be tried again: worth a log line. */
  onError(err: Error, what: string): void;
}

/** What a module's background work may use. */
export interface WorkDeps {
  log: EventLog;
  /** The log's file, when it is one (embedded): a module may read it on a thread of its own. */
  logFile?: string;
  /** The event store's writes beside the store writer's: which user keys are one person, and their traits. */
  queries: Pick<EventQueries, 'linkPersons' | 'recordTraits' | 'select'>;
  /** Queues a Live event to the tenant's endpoints; the same `key` again queues nothing new. */
  emit(tenantId: string, type: ProfileEventType, data: Record<string, unknown>, key: string): Promise<void>;
  /** Something failed and will be tried again: worth a log line. */
  onError(err: Error, what: string): void;
}

/** What a module's admin routes may use; the CLI's local mode serves them too, without a store. */
export interface AdminDeps {
  auth: KeyResolver;
  /** The tenant's app by id or name (admin nouns that point at an app). */
  findApp(tenantId: string, idOrName: string): Promise<App | null>;
}

/** A module with its registries open. */
export interface OpenModule {
  /** The routes that speak the dialect on the wire, and its queries. */
  serve?(app: FastifyInstance, deps: ServeDeps): Promise<void>;
  /** Admin routes for its registries (admin keys). */
  admin?(app: FastifyInstance, deps: AdminDeps): Promise<void>;
  /** Its gauges on /metrics, in every process (workers too). */
  measure?(deps: Pick<ServeDeps, 'config' | 'metrics' | 'queries'>): void;
  /** Starts its work on the log (a consumer of its own), in processes that consume (not role ingest). */
  work?(deps: WorkDeps): { stop(): Promise<void> };
  close(): Promise<void>;
}

/** The admin API as a CLI command calls it: a running server's, or the data directory's (cli/local-admin.ts). */
export interface AdminApi {
  call<T>(method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

/** What the usagehub CLI gives a dialect's commands. */
export interface CommandContext {
  /** Runs `fn` with the admin API the command's global options name, and closes it after. */
  withAdmin(cmd: Command, fn: (api: AdminApi) => Promise<void>): Promise<void>;
  /** Prints a result: JSON with --json, else the human line. */
  print(cmd: Command, value: unknown, human: () => string): void;
  /** Stops the command with a message for the person at the terminal. */
  fail(message: string): never;
}

/**
 * A module's manifest: a capability with registries beside the catalog, routes, commands
 * and tables of its own (a dialect, the sources of the SDK dialects). It stays light
 * (names, SQL text, command definitions), so that the CLI reads every module's commands
 * without loading servers: `open` loads the module's code when a process serves it.
 */
export interface Module {
  name: string;
  /** Opens its registries beside the catalog; its caches subscribe to `changes`. */
  open(place: CatalogPlace, changes: CatalogChanges): Promise<OpenModule>;
  /** Adds its commands (over the admin API) to the usagehub CLI. */
  commands?(program: Command, cli: CommandContext): void;
  /** What it keeps in the event store beside the events table (its tables, filled at each apply). */
  projection?: Projection;
  /**
   * Its PostgreSQL tables (registries, projection), as numbered steps of its own, applied
   * by `usagehub migrate` or --migrate and checked by its adapters at open.
   */
  pgMigrations?: readonly Migration[];
}

/** A dialect: a module whose name is the `source` of the events it stores. */
export interface Dialect extends Module {
  name: string;
  /** Live event types an event of this dialect is also emitted as (besides usagehub.event.<source>.<name>). */
  liveTypes?(event: Pick<UsageEvent, 'name' | 'session'>): string[];
  /** Every type liveTypes may return: what endpoint filters can pick from. */
  liveTypeNames?: readonly string[];
}

/** Every module's registries, opened beside the catalog: what the admin routes manage. */
export interface Registries {
  changes: CatalogChanges;
  ipRanges: IpRangeTable;
  modules: OpenModule[];
  close(): Promise<void>;
}
