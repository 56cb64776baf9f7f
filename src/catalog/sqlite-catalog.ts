import type Database from 'better-sqlite3';
import { openSqlite, type AddedColumn } from '../storage/sqlite.ts';
import { randomBytes } from 'node:crypto';
import type {
  ApiKey,
  App,
  Catalog,
  CreateOutcome,
  EventMapping,
  HitUser,
  Media,
  MediaKind,
  Metric,
  OAuthClient,
  Role,
  Tenant,
} from './catalog.ts';
import type { Category } from '../domain/categories.ts';
import type { Scope } from '../auth/oauth/scopes.ts';
import { newId } from '../domain/ids.ts';
import type { IpRange } from '../enrichment/ip-ranges.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS tenants (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS apps (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), name TEXT NOT NULL,
    created_at TEXT NOT NULL, UNIQUE (tenant_id, name));
  CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), name TEXT NOT NULL,
    role TEXT NOT NULL, prefix TEXT NOT NULL, secret_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL, revoked_at TEXT);
  CREATE TABLE IF NOT EXISTS event_mappings (
    app_id TEXT NOT NULL REFERENCES apps(id), event_name TEXT NOT NULL, category TEXT NOT NULL,
    PRIMARY KEY (app_id, event_name));
  CREATE TABLE IF NOT EXISTS oauth_clients (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), name TEXT NOT NULL,
    scopes TEXT NOT NULL, secret_hash TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
  CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS hit_users (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), id TEXT NOT NULL, first_name TEXT,
    last_name TEXT, email TEXT, PRIMARY KEY (tenant_id, id));
  CREATE TABLE IF NOT EXISTS medias (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), id TEXT NOT NULL, kind TEXT NOT NULL,
    duration_seconds REAL, PRIMARY KEY (tenant_id, id));
  CREATE TABLE IF NOT EXISTS session_types (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), type TEXT NOT NULL, PRIMARY KEY (tenant_id, type));
  CREATE TABLE IF NOT EXISTS metrics (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), key TEXT NOT NULL, description TEXT,
    PRIMARY KEY (tenant_id, key));
  CREATE TABLE IF NOT EXISTS ip_ranges (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), cidr TEXT NOT NULL, organisation TEXT NOT NULL,
    domain TEXT, PRIMARY KEY (tenant_id, cidr)) WITHOUT ROWID;
`;

/** Columns added after a catalog's first release, added to older catalogs on open. */
const ADDED_COLUMNS: AddedColumn[] = [['apps', 'origin', 'ALTER TABLE apps ADD COLUMN origin INTEGER']];
const INDEXES = `
  CREATE UNIQUE INDEX IF NOT EXISTS apps_origin ON apps (tenant_id, origin) WHERE origin IS NOT NULL;
`;

interface KeyRow {
  id: string;
  tenant_id: string;
  name: string;
  role: Role;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}
interface AppRow {
  id: string;
  tenant_id: string;
  name: string;
  created_at: string;
  origin: number | null;
}
interface TenantRow {
  id: string;
  name: string;
  created_at: string;
}

const toTenant = (r: TenantRow): Tenant => ({ id: r.id, name: r.name, createdAt: r.created_at });
interface MappingRow {
  app_id: string;
  event_name: string;
  category: Category;
}
interface ClientRow {
  id: string;
  tenant_id: string;
  name: string;
  scopes: string;
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
}

const toClient = (r: ClientRow): OAuthClient => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  scopes: JSON.parse(r.scopes) as Scope[],
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});
const toKey = (r: KeyRow): ApiKey => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  role: r.role,
  prefix: r.prefix,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Catalog on an SQLite file (`catalog.db` in the data directory). */
export class SqliteCatalog implements Catalog {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file, SCHEMA, { pragmas: ['foreign_keys = ON'], addedColumns: ADDED_COLUMNS });
    this.db.exec(INDEXES);
  }

  async createTenant(name: string): Promise<Tenant> {
    const row = { id: newId('ten'), name, created_at: new Date().toISOString() };
    this.db.prepare('INSERT INTO tenants (id, name, created_at) VALUES (@id, @name, @created_at)').run(row);
    return toTenant(row);
  }

  async listTenants(): Promise<Tenant[]> {
    return this.db
      .prepare<[], TenantRow>('SELECT * FROM tenants ORDER BY created_at, id')
      .all()
      .map(toTenant);
  }

  async getTenant(id: string): Promise<Tenant | null> {
    const row = this.db.prepare<[string], TenantRow>('SELECT * FROM tenants WHERE id = ?').get(id);
    return row ? toTenant(row) : null;
  }

  async renameTenant(id: string, name: string): Promise<Tenant | null> {
    this.db.prepare('UPDATE tenants SET name = ? WHERE id = ?').run(name, id);
    return this.getTenant(id);
  }

  async createApp(tenantId: string, name: string): Promise<CreateOutcome<App>> {
    const row = {
      id: newId('app'),
      tenant_id: tenantId,
      name,
      created_at: new Date().toISOString(),
      origin: null,
    };
    try {
      this.db
        .prepare(
          'INSERT INTO apps (id, tenant_id, name, created_at) VALUES (@id, @tenant_id, @name, @created_at)',
        )
        .run(row);
    } catch (err) {
      if (isUniqueViolation(err)) return { outcome: 'name_taken' };
      throw err;
    }
    return { outcome: 'created', value: this.withMappings([row])[0]! };
  }

  async listApps(tenantId: string): Promise<App[]> {
    const rows = this.db
      .prepare<[string], AppRow>('SELECT * FROM apps WHERE tenant_id = ? ORDER BY created_at, id')
      .all(tenantId);
    return this.withMappings(rows);
  }

  async findApp(tenantId: string, idOrName: string): Promise<App | null> {
    const row = this.db
      .prepare<{ tenant: string; key: string }, AppRow>(
        // An id wins over another app whose name happens to equal it.
        'SELECT * FROM apps WHERE tenant_id = @tenant AND (id = @key OR name = @key) ORDER BY id = @key DESC LIMIT 1',
      )
      .get({ tenant: tenantId, key: idOrName });
    return row ? this.withMappings([row])[0]! : null;
  }

  /** Apps with their event mappings, in one query for all of them. */
  private withMappings(rows: AppRow[]): App[] {
    if (rows.length === 0) return [];
    const mappings = this.db
      .prepare<string[], MappingRow>(
        `SELECT * FROM event_mappings WHERE app_id IN (${rows.map(() => '?').join(', ')}) ORDER BY event_name`,
      )
      .all(...rows.map((r) => r.id));
    const byApp = new Map<string, EventMapping[]>(rows.map((r) => [r.id, []]));
    for (const m of mappings) byApp.get(m.app_id)!.push({ eventName: m.event_name, category: m.category });
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      name: r.name,
      createdAt: r.created_at,
      eventMappings: byApp.get(r.id)!,
      origin: r.origin,
    }));
  }

  async setEventMapping(tenantId: string, appId: string, mapping: EventMapping): Promise<App | null> {
    const app = await this.findApp(tenantId, appId);
    if (!app || app.id !== appId) return null;
    this.db
      .prepare(
        `INSERT INTO event_mappings (app_id, event_name, category) VALUES (?, ?, ?)
         ON CONFLICT (app_id, event_name) DO UPDATE SET category = excluded.category`,
      )
      .run(appId, mapping.eventName, mapping.category);
    return this.findApp(tenantId, appId);
  }

  async removeEventMapping(tenantId: string, appId: string, eventName: string): Promise<App | null> {
    const app = await this.findApp(tenantId, appId);
    if (!app || app.id !== appId) return null;
    this.db.prepare('DELETE FROM event_mappings WHERE app_id = ? AND event_name = ?').run(appId, eventName);
    return this.findApp(tenantId, appId);
  }

  async setAppOrigin(
    tenantId: string,
    appId: string,
    origin: number | null,
  ): Promise<CreateOutcome<App> | null> {
    try {
      const res = this.db
        .prepare('UPDATE apps SET origin = ? WHERE tenant_id = ? AND id = ?')
        .run(origin, tenantId, appId);
      if (res.changes === 0) return null;
    } catch (err) {
      if (isUniqueViolation(err)) return { outcome: 'name_taken' };
      throw err;
    }
    const app = await this.findApp(tenantId, appId);
    return app ? { outcome: 'created', value: app } : null;
  }

  async listHitUsers(tenantId: string): Promise<HitUser[]> {
    return this.db
      .prepare<
        [string],
        { id: string; first_name: string | null; last_name: string | null; email: string | null }
      >('SELECT id, first_name, last_name, email FROM hit_users WHERE tenant_id = ? ORDER BY id')
      .all(tenantId)
      .map((r) => ({ id: r.id, firstName: r.first_name, lastName: r.last_name, email: r.email }));
  }

  async putHitUser(tenantId: string, user: HitUser): Promise<HitUser> {
    this.db
      .prepare(
        `INSERT INTO hit_users (tenant_id, id, first_name, last_name, email) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, id) DO UPDATE SET first_name = excluded.first_name,
           last_name = excluded.last_name, email = excluded.email`,
      )
      .run(tenantId, user.id, user.firstName, user.lastName, user.email);
    return user;
  }

  async removeHitUser(tenantId: string, id: string): Promise<boolean> {
    return (
      this.db.prepare('DELETE FROM hit_users WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes > 0
    );
  }

  async listMedias(tenantId: string): Promise<Media[]> {
    return this.db
      .prepare<[string], { id: string; kind: MediaKind; duration_seconds: number | null }>(
        'SELECT id, kind, duration_seconds FROM medias WHERE tenant_id = ? ORDER BY id',
      )
      .all(tenantId)
      .map((r) => ({ id: r.id, kind: r.kind, durationSeconds: r.duration_seconds }));
  }

  async putMedia(tenantId: string, media: Media): Promise<Media> {
    this.db
      .prepare(
        `INSERT INTO medias (tenant_id, id, kind, duration_seconds) VALUES (?, ?, ?, ?)
         ON CONFLICT (tenant_id, id) DO UPDATE SET kind = excluded.kind,
           duration_seconds = excluded.duration_seconds`,
      )
      .run(tenantId, media.id, media.kind, media.durationSeconds);
    return media;
  }

  async removeMedia(tenantId: string, id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM medias WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes > 0;
  }

  async listSessionTypes(tenantId: string): Promise<string[]> {
    return this.db
      .prepare<[string], { type: string }>('SELECT type FROM session_types WHERE tenant_id = ? ORDER BY type')
      .all(tenantId)
      .map((r) => r.type);
  }

  async addSessionType(tenantId: string, type: string): Promise<void> {
    this.db
      .prepare('INSERT OR IGNORE INTO session_types (tenant_id, type) VALUES (?, ?)')
      .run(tenantId, type);
  }

  async listMetrics(tenantId: string): Promise<Metric[]> {
    return this.db
      .prepare<[string], Metric>('SELECT key, description FROM metrics WHERE tenant_id = ? ORDER BY key')
      .all(tenantId);
  }

  async putMetric(tenantId: string, metric: Metric): Promise<Metric> {
    this.db
      .prepare(
        `INSERT INTO metrics (tenant_id, key, description) VALUES (?, ?, ?)
         ON CONFLICT (tenant_id, key) DO UPDATE SET description = excluded.description`,
      )
      .run(tenantId, metric.key, metric.description);
    return metric;
  }

  async removeMetric(tenantId: string, key: string): Promise<boolean> {
    return (
      this.db.prepare('DELETE FROM metrics WHERE tenant_id = ? AND key = ?').run(tenantId, key).changes > 0
    );
  }

  async replaceIpRanges(tenantId: string, ranges: readonly IpRange[]): Promise<void> {
    const remove = this.db.prepare('DELETE FROM ip_ranges WHERE tenant_id = ?');
    const insert = this.db.prepare(
      'INSERT INTO ip_ranges (tenant_id, cidr, organisation, domain) VALUES (?, ?, ?, ?)',
    );
    const bump = this.db.prepare(
      `INSERT INTO settings (name, value) VALUES (?, '1')
       ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1`,
    );
    this.db.transaction(() => {
      remove.run(tenantId);
      for (const r of ranges) insert.run(tenantId, r.cidr, r.organisation, r.domain);
      bump.run(`ip_ranges_version:${tenantId}`);
    })();
  }

  async ipRangesVersion(tenantId: string): Promise<number> {
    const row = this.db
      .prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?')
      .get(`ip_ranges_version:${tenantId}`);
    return row ? Number(row.value) : 0;
  }

  async listIpRanges(tenantId: string): Promise<IpRange[]> {
    return this.db
      .prepare<[string], IpRange>('SELECT cidr, organisation, domain FROM ip_ranges WHERE tenant_id = ?')
      .all(tenantId);
  }

  async createOAuthClient(
    client: Omit<OAuthClient, 'createdAt' | 'revokedAt'>,
    secretHash: string,
  ): Promise<OAuthClient> {
    const row: ClientRow = {
      id: client.id,
      tenant_id: client.tenantId,
      name: client.name,
      scopes: JSON.stringify(client.scopes),
      secret_hash: secretHash,
      created_at: new Date().toISOString(),
      revoked_at: null,
    };
    this.db
      .prepare(
        `INSERT INTO oauth_clients (id, tenant_id, name, scopes, secret_hash, created_at, revoked_at)
         VALUES (@id, @tenant_id, @name, @scopes, @secret_hash, @created_at, @revoked_at)`,
      )
      .run(row);
    return toClient(row);
  }

  async listOAuthClients(tenantId: string): Promise<OAuthClient[]> {
    return this.db
      .prepare<[string], ClientRow>('SELECT * FROM oauth_clients WHERE tenant_id = ? ORDER BY created_at, id')
      .all(tenantId)
      .map(toClient);
  }

  async revokeOAuthClient(tenantId: string, id: string): Promise<OAuthClient | null> {
    this.db
      .prepare(
        'UPDATE oauth_clients SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL',
      )
      .run(new Date().toISOString(), tenantId, id);
    const row = this.db
      .prepare<[string, string], ClientRow>('SELECT * FROM oauth_clients WHERE tenant_id = ? AND id = ?')
      .get(tenantId, id);
    return row ? toClient(row) : null;
  }

  async findOAuthClient(id: string): Promise<{ client: OAuthClient; secretHash: string } | null> {
    const row = this.db.prepare<[string], ClientRow>('SELECT * FROM oauth_clients WHERE id = ?').get(id);
    return row ? { client: toClient(row), secretHash: row.secret_hash } : null;
  }

  async tokenSigningKey(): Promise<string> {
    // INSERT OR IGNORE, then read: two processes starting together agree on one key.
    this.db
      .prepare("INSERT OR IGNORE INTO settings (name, value) VALUES ('token_signing_key', ?)")
      .run(randomBytes(32).toString('base64url'));
    return this.db
      .prepare<[], { value: string }>("SELECT value FROM settings WHERE name = 'token_signing_key'")
      .get()!.value;
  }

  async renameApp(tenantId: string, id: string, name: string): Promise<CreateOutcome<App> | null> {
    try {
      const res = this.db
        .prepare('UPDATE apps SET name = ? WHERE tenant_id = ? AND id = ?')
        .run(name, tenantId, id);
      if (res.changes === 0) return null;
    } catch (err) {
      if (isUniqueViolation(err)) return { outcome: 'name_taken' };
      throw err;
    }
    const app = await this.findApp(tenantId, id);
    return app ? { outcome: 'created', value: app } : null;
  }

  async createKey(key: Omit<ApiKey, 'createdAt' | 'revokedAt'>, secretHash: string): Promise<ApiKey> {
    const row = {
      id: key.id,
      tenant_id: key.tenantId,
      name: key.name,
      role: key.role,
      prefix: key.prefix,
      secret_hash: secretHash,
      created_at: new Date().toISOString(),
      revoked_at: null,
    };
    this.db
      .prepare(
        `INSERT INTO api_keys (id, tenant_id, name, role, prefix, secret_hash, created_at, revoked_at)
         VALUES (@id, @tenant_id, @name, @role, @prefix, @secret_hash, @created_at, @revoked_at)`,
      )
      .run(row);
    return toKey(row);
  }

  async listKeys(tenantId: string): Promise<ApiKey[]> {
    return this.db
      .prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id')
      .all(tenantId)
      .map(toKey);
  }

  async revokeKey(tenantId: string, id: string): Promise<ApiKey | null> {
    this.db
      .prepare('UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL')
      .run(new Date().toISOString(), tenantId, id);
    const row = this.db
      .prepare<[string, string], KeyRow>('SELECT * FROM api_keys WHERE tenant_id = ? AND id = ?')
      .get(tenantId, id);
    return row ? toKey(row) : null;
  }

  async findKeyByHash(secretHash: string): Promise<ApiKey | null> {
    const row = this.db
      .prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE secret_hash = ?')
      .get(secretHash);
    return row ? toKey(row) : null;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
