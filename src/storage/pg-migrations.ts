import type pg from 'pg';
import { openPool, type PgLocation } from './postgres.ts';

/**
 * The PostgreSQL schema of the scale profile, as numbered steps. A step is never edited
 * once released: changes are new steps, so every deployment reaches the same schema by
 * the same path. `usagehub migrate` applies what is missing.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * A module's own steps (a dialect's tables), numbered within the module and tracked in
 * `module_migrations`, after the core steps below. A module adds tables without
 * touching this file.
 */
export interface ModuleMigrations {
  module: string;
  steps: readonly Migration[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, hits, rollups, log dedup keys',
    sql: `
      -- The queryable projection of every event (the full documents stay in the log).
      -- Partitioned by month of occurred_at (partitions are created by the store writer
      -- as events need them), so time-bounded scans and retention touch few partitions.
      CREATE TABLE events (
        seq bigint NOT NULL,          -- log offset * 2^20 + position (store/seq.ts)
        dedup_key bytea NOT NULL,     -- 8 bytes of event time, then 12 of hash (domain/dedup.ts)
        tenant_id text NOT NULL,
        app_id text NOT NULL,
        source text NOT NULL,
        name text NOT NULL,
        category text,
        occurred_at timestamptz NOT NULL,
        user_key text,
        session_id text,
        count bigint NOT NULL,
        client_id text,
        target_app text,
        late boolean NOT NULL,
        company text,
        domain text,
        environment text,
        session_action text,
        entities jsonb
      ) PARTITION BY RANGE (occurred_at);
      -- The store's own dedup: the key grows with time, so inserts land at the index's
      -- right edge. A partitioned table's unique index must hold the partition column;
      -- occurred_at is part of the key's meaning anyway.
      CREATE UNIQUE INDEX events_dedup ON events (dedup_key, occurred_at);
      CREATE INDEX events_tenant_seq ON events (tenant_id, seq);
      CREATE INDEX events_sessions ON events (tenant_id, app_id, session_id) WHERE session_id IS NOT NULL;

      -- Statistic hits: what their queries need beyond the events table.
      CREATE TABLE hits (
        seq bigint PRIMARY KEY, tenant_id text NOT NULL, app_id text NOT NULL,
        occurred_at timestamptz NOT NULL, type text NOT NULL, origin integer, medias text[],
        watched_seconds double precision, search_type text, result_count bigint,
        conn_mode text, conn_success boolean);
      CREATE INDEX hits_tenant_time ON hits (tenant_id, occurred_at);

      -- Rollups, maintained in the same statement that inserts the events they count,
      -- from the rows actually inserted: a replayed batch changes nothing. Raw scans of
      -- 10 M events take seconds here; these answer the common queries in milliseconds.
      CREATE TABLE rollup_hourly (
        tenant_id text NOT NULL, app_id text NOT NULL,
        occurred_at timestamptz NOT NULL,  -- the hour
        name text NOT NULL, category text, late boolean NOT NULL, target_app text,
        company text, domain text, environment text,
        events bigint NOT NULL);
      CREATE UNIQUE INDEX rollup_hourly_key ON rollup_hourly
        (tenant_id, occurred_at, app_id, name, category, late, target_app, company, domain, environment)
        NULLS NOT DISTINCT;
      CREATE TABLE daily_users (
        tenant_id text NOT NULL, app_id text NOT NULL, day date NOT NULL, user_key text NOT NULL,
        events bigint NOT NULL,
        PRIMARY KEY (tenant_id, day, app_id, user_key));

      -- The highest log offset applied, for operators (lag); replays are made harmless
      -- by events_dedup, not by this.
      CREATE TABLE applied (id integer PRIMARY KEY, log_offset bigint NOT NULL);

      -- The JetStream event log's dedup keys: ingest claims them in the same transaction
      -- that waits for JetStream's acknowledgement (log/jetstream/).
      CREATE TABLE log_keys (key bytea PRIMARY KEY);
      -- Offsets that consumers report (EventLog.commitConsumer), for operators.
      CREATE TABLE log_consumers (name text PRIMARY KEY, log_offset bigint NOT NULL);
    `,
  },
  {
    version: 2,
    name: 'catalog: tenants, apps, keys, OAuth clients and the registries',
    sql: `
      -- The same tables as the embedded catalog.db (catalog/sqlite-catalog.ts); times are
      -- ISO 8601 text there and here, so both answer with the same strings.
      CREATE TABLE tenants (id text PRIMARY KEY, name text NOT NULL, created_at text NOT NULL);
      CREATE TABLE apps (
        id text PRIMARY KEY, tenant_id text NOT NULL REFERENCES tenants(id), name text NOT NULL,
        created_at text NOT NULL, origin integer, UNIQUE (tenant_id, name));
      CREATE UNIQUE INDEX apps_origin ON apps (tenant_id, origin) WHERE origin IS NOT NULL;
      CREATE TABLE api_keys (
        id text PRIMARY KEY, tenant_id text NOT NULL REFERENCES tenants(id), name text NOT NULL,
        role text NOT NULL, prefix text NOT NULL, secret_hash text NOT NULL UNIQUE,
        created_at text NOT NULL, revoked_at text);
      CREATE TABLE event_mappings (
        app_id text NOT NULL REFERENCES apps(id), event_name text NOT NULL, category text NOT NULL,
        PRIMARY KEY (app_id, event_name));
      CREATE TABLE oauth_clients (
        id text PRIMARY KEY, tenant_id text NOT NULL REFERENCES tenants(id), name text NOT NULL,
        scopes text NOT NULL, secret_hash text NOT NULL, created_at text NOT NULL, revoked_at text);
      CREATE TABLE settings (name text PRIMARY KEY, value text NOT NULL);
      CREATE TABLE hit_users (
        tenant_id text NOT NULL REFERENCES tenants(id), id text NOT NULL, first_name text,
        last_name text, email text, PRIMARY KEY (tenant_id, id));
      CREATE TABLE medias (
        tenant_id text NOT NULL REFERENCES tenants(id), id text NOT NULL, kind text NOT NULL,
        duration_seconds double precision, PRIMARY KEY (tenant_id, id));
      CREATE TABLE session_types (
        tenant_id text NOT NULL REFERENCES tenants(id), type text NOT NULL, PRIMARY KEY (tenant_id, type));
      CREATE TABLE metrics (
        tenant_id text NOT NULL REFERENCES tenants(id), key text NOT NULL, description text,
        PRIMARY KEY (tenant_id, key));
      CREATE TABLE ip_ranges (
        tenant_id text NOT NULL REFERENCES tenants(id), cidr text NOT NULL, organisation text NOT NULL,
        domain text, PRIMARY KEY (tenant_id, cidr));
    `,
  },
  {
    version: 3,
    name: 'rollups for distinct users per day and top users',
    sql: `
      -- Who was active on a day in any app, and how many users each day had, per app and
      -- over all apps (app_id ''): daily distinct users read 30 rows instead of counting
      -- millions of (app, day, user) rows.
      CREATE TABLE daily_active (
        tenant_id text NOT NULL, day date NOT NULL, user_key text NOT NULL,
        PRIMARY KEY (tenant_id, day, user_key));
      CREATE TABLE daily_user_counts (
        tenant_id text NOT NULL, app_id text NOT NULL, day date NOT NULL, users bigint NOT NULL,
        PRIMARY KEY (tenant_id, app_id, day));
      -- Events per user and month: top users over a range read whole months here, and
      -- only the days the range cuts off a month from daily_users.
      CREATE TABLE monthly_users (
        tenant_id text NOT NULL, app_id text NOT NULL, month date NOT NULL, user_key text NOT NULL,
        events bigint NOT NULL,
        PRIMARY KEY (tenant_id, month, app_id, user_key));
      INSERT INTO daily_active SELECT DISTINCT tenant_id, day, user_key FROM daily_users;
      INSERT INTO daily_user_counts SELECT tenant_id, app_id, day, count(*) FROM daily_users GROUP BY 1, 2, 3;
      INSERT INTO daily_user_counts SELECT tenant_id, '', day, count(*) FROM daily_active GROUP BY 1, 2, 3;
      INSERT INTO monthly_users
      SELECT tenant_id, app_id, date_trunc('month', day)::date, user_key, sum(events) FROM daily_users GROUP BY 1, 2, 3, 4;
    `,
  },
  {
    version: 4,
    name: 'Live API: endpoints, delivery queue, attempts',
    sql: `
      -- The same state as the embedded live.db (live/sqlite-live-store.ts), shared by
      -- every worker of the scale profile.
      CREATE TABLE live_endpoints (
        id text PRIMARY KEY, tenant_id text NOT NULL, url text NOT NULL, description text NOT NULL,
        filters text NOT NULL, public_key text NOT NULL UNIQUE, private_key text NOT NULL,
        state text NOT NULL, verified_at text, verify_error text, created_at text NOT NULL,
        ordered boolean NOT NULL, failing_since bigint);
      -- One row per (endpoint, event); kept once delivered, for replay. queued_seq keeps
      -- the order of queueing, for endpoints that want their deliveries in order.
      CREATE TABLE live_deliveries (
        id text PRIMARY KEY, endpoint_id text NOT NULL, type text NOT NULL, body text NOT NULL,
        created_at bigint NOT NULL, next_attempt_at bigint NOT NULL, attempts integer NOT NULL,
        status text NOT NULL, replays integer NOT NULL DEFAULT 0,
        queued_seq bigint GENERATED ALWAYS AS IDENTITY);
      CREATE INDEX live_deliveries_due ON live_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX live_deliveries_endpoint ON live_deliveries (endpoint_id, queued_seq) WHERE status = 'pending';
      CREATE TABLE live_attempts (
        delivery_id text NOT NULL, endpoint_id text NOT NULL, at bigint NOT NULL, status integer,
        latency_ms double precision NOT NULL, error text);
      CREATE INDEX live_attempts_by_endpoint ON live_attempts (endpoint_id, at);
    `,
  },
  {
    version: 5,
    name: 'quarantine: events the store could not apply',
    sql: `
      -- Set aside so that one event never stops the store writers (store/quarantine.ts);
      -- the document stays in the log, at seq.
      CREATE TABLE quarantine (
        seq bigint PRIMARY KEY, tenant_id text, reason text NOT NULL,
        set_aside_at timestamptz NOT NULL, attempts integer NOT NULL);
      CREATE INDEX quarantine_by_tenant ON quarantine (tenant_id, seq);
    `,
  },
  {
    version: 6,
    name: 'user keys that are one person',
    sql: `
      -- Written by the profiles module (EventQueries.linkPersons): distinct-user and
      -- top-user queries count a person once, whatever keys their events came under.
      CREATE TABLE user_persons (
        tenant_id text NOT NULL, user_key text NOT NULL, person_id text NOT NULL,
        PRIMARY KEY (tenant_id, user_key));
    `,
  },
  {
    version: 7,
    name: "how each event's company was resolved",
    sql: `
      -- 'domain' or 'ip_range' (enrichment/companies.ts): usage can be split by it.
      ALTER TABLE events ADD COLUMN resolved_by text;
    `,
  },
  {
    version: 8,
    name: 'when each API key and OAuth client was last used',
    sql: `
      -- ISO 8601 text like created_at, to the minute: a key's last authentication
      -- (auth/authenticator.ts), a client's last token (auth/oauth/client-credentials.ts).
      ALTER TABLE api_keys ADD COLUMN last_used_at text;
      ALTER TABLE oauth_clients ADD COLUMN last_used_at text;
    `,
  },
  {
    version: 9,
    name: 'Live API attempts: an id to page by, what was sent and answered, a per-minute rollup',
    sql: `
      -- exchange: JSON {sentAt, publicKey, responseHeaders, responseBody (first 4 KiB)}
      -- (live/live-store.port.ts Exchange).
      ALTER TABLE live_attempts ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
      ALTER TABLE live_attempts ADD COLUMN exchange text;
      CREATE INDEX live_attempts_by_delivery ON live_attempts (delivery_id);
      -- The log's pages by id replace the index by time, which nothing reads any more.
      DROP INDEX live_attempts_by_endpoint;
      CREATE INDEX live_attempts_page ON live_attempts (endpoint_id, id);
      CREATE INDEX live_attempts_failed ON live_attempts (endpoint_id, id)
        WHERE status IS NULL OR status < 200 OR status > 299;
      -- Per endpoint and minute: attempts that succeeded and failed, and the successes'
      -- lag histogram (live/live-stats.ts); stats over any range read these.
      CREATE TABLE live_attempt_minutes (
        endpoint_id text NOT NULL, minute bigint NOT NULL, ok bigint NOT NULL, failed bigint NOT NULL,
        lags jsonb NOT NULL, PRIMARY KEY (endpoint_id, minute));
      ALTER TABLE live_endpoints ADD COLUMN last_error text, ADD COLUMN last_error_at bigint;
    `,
  },
  {
    version: 10,
    name: "each event's properties, for insights",
    sql: `
      -- What the client said of the event (its payload stays in the log): insights
      -- filter, break down and sum by them (insights/). Events stored before have none.
      ALTER TABLE events ADD COLUMN properties jsonb;
    `,
  },
  {
    version: 11,
    name: "persons' current traits, for insights",
    sql: `
      -- Written by the profiles module (EventQueries.recordTraits), under each id of a
      -- person: insights filter and break down by person.<trait>.
      CREATE TABLE person_traits (
        tenant_id text NOT NULL, user_key text NOT NULL, traits jsonb NOT NULL,
        PRIMARY KEY (tenant_id, user_key));
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Serialises migrations of one schema across processes. */
const lockId = (schema: string) => `hashtext('usagehub.migrate.' || ${quoteLiteral(schema)})`;
const quoteLiteral = (s: string) => `'${s.replaceAll("'", "''")}'`;
const quoteIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** The schema's version: 0 when usagehub has never migrated it. */
async function schemaVersion(client: pg.ClientBase, schema: string): Promise<number> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
    `${quoteIdent(schema)}.schema_migrations`,
  ]);
  if (exists.rows[0]?.t === null) return 0;
  const r = await client.query<{ v: number | null }>(
    `SELECT max(version) AS v FROM ${quoteIdent(schema)}.schema_migrations`,
  );
  return r.rows[0]?.v ?? 0;
}

/** A module's version in the schema: 0 before its first step. */
async function moduleVersion(client: pg.ClientBase, schema: string, module: string): Promise<number> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
    `${quoteIdent(schema)}.module_migrations`,
  ]);
  if (exists.rows[0]?.t === null) return 0;
  const r = await client.query<{ v: number | null }>(
    `SELECT max(version) AS v FROM ${quoteIdent(schema)}.module_migrations WHERE module = $1`,
    [module],
  );
  return r.rows[0]?.v ?? 0;
}

/** Runs one step in its own transaction, in the schema, and records it with `record`. */
async function runStep(
  client: pg.ClientBase,
  schema: string,
  label: string,
  step: Migration,
  record: () => Promise<unknown>,
): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL search_path = ${quoteIdent(schema)}`);
    await client.query(step.sql);
    await record();
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw new Error(`migration ${label}${step.version} (${step.name}) failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Brings `schema` to the latest version, each step in its own transaction, under an
 * advisory lock so that processes starting together migrate once. Returns the steps run.
 */
export async function migrate(
  pool: pg.Pool,
  schema: string,
  onStep: (version: number, name: string) => void = () => {},
  modules: readonly ModuleMigrations[] = [],
): Promise<number[]> {
  const client = await pool.connect();
  const ran: number[] = [];
  try {
    await client.query(`SELECT pg_advisory_lock(${lockId(schema)})`);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.schema_migrations (
           version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const current = await schemaVersion(client, schema);
      for (const step of MIGRATIONS.filter((m) => m.version > current)) {
        await runStep(client, schema, '', step, () =>
          client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
            step.version,
            step.name,
          ]),
        );
        ran.push(step.version);
        onStep(step.version, step.name);
      }
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.module_migrations (
           module text NOT NULL, version integer NOT NULL, name text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (module, version))`,
      );
      for (const { module, steps } of modules) {
        const at = await moduleVersion(client, schema, module);
        for (const step of steps.filter((m) => m.version > at)) {
          await runStep(client, schema, `${module} `, step, () =>
            client.query('INSERT INTO module_migrations (module, version, name) VALUES ($1, $2, $3)', [
              module,
              step.version,
              step.name,
            ]),
          );
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${lockId(schema)})`);
    }
  } finally {
    client.release();
  }
  return ran;
}

/** Throws a message that says what to run when the schema is not at the version this build needs. */
export async function assertMigrated(
  pool: pg.Pool,
  schema: string,
  modules: readonly ModuleMigrations[] = [],
): Promise<void> {
  const client = await pool.connect();
  try {
    const version = await schemaVersion(client, schema);
    if (version < LATEST_VERSION)
      throw new Error(
        `PostgreSQL schema "${schema}" is at version ${version}, this usagehub needs ${LATEST_VERSION}: ` +
          'run `usagehub migrate` (or start with --migrate)',
      );
    if (version > LATEST_VERSION)
      throw new Error(
        `PostgreSQL schema "${schema}" is at version ${version}, newer than this usagehub knows (${LATEST_VERSION}): ` +
          'upgrade usagehub',
      );
    for (const { module, steps } of modules) {
      const latest = steps[steps.length - 1]?.version ?? 0;
      if ((await moduleVersion(client, schema, module)) < latest)
        throw new Error(
          `PostgreSQL schema "${schema}" lacks the ${module} tables of this usagehub (version ${latest}): ` +
            'run `usagehub migrate` (or start with --migrate)',
        );
    }
  } finally {
    client.release();
  }
}

/**
 * A pool on usagehub's schema, checked (or, with `migrate`, brought) to the version this
 * build needs: what every PostgreSQL adapter opens with.
 */
export async function openMigratedPool(
  where: PgLocation,
  connections: number,
  options: { migrate: boolean; modules?: readonly ModuleMigrations[] },
): Promise<pg.Pool> {
  const pool = openPool(where, connections);
  try {
    if (options.migrate) await migrate(pool, where.schema, undefined, options.modules);
    else await assertMigrated(pool, where.schema, options.modules);
    return pool;
  } catch (err) {
    await pool.end();
    throw err;
  }
}
