import type Database from 'better-sqlite3';
import { openSqlite, type AddedColumn } from '../../storage/sqlite.ts';
import { randomBytes } from 'node:crypto';
import type {
  ApiKey,
  App,
  Catalog,
  CreateOutcome,
  EventMapping,
  OAuthClient,
  Role,
  Tenant,
} from '../catalog.port.ts';
import type { Category } from '../../domain/categories.ts';
import type { Scope } from '../../domain/scopes.ts';
import { newId } from '../../domain/ids.ts';

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
`;

/** Columns added after a catalog's first release, added to older catalogs on open. */
const ADDED_COLUMNS: AddedColumn[] = [
  ['apps', 'origin', 'ALTER TABLE apps ADD COLUMN origin INTEGER'],
  ['api_keys', 'last_used_at', 'ALTER TABLE api_keys ADD COLUMN last_used_at TEXT'],
  ['oauth_clients', 'last_used_at', 'ALTER TABLE oauth_clients ADD COLUMN last_used_at TEXT'],
];
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
  last_used_at: string | null;
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
  last_used_at: string | null;
}

const toClient = (r: ClientRow): OAuthClient => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  scopes: JSON.parse(r.scopes) as Scope[],
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at ?? null,
});
const toKey = (r: KeyRow): ApiKey => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  role: r.role,
  prefix: r.prefix,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at ?? null,
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

  async createOAuthClient(
    client: Omit<OAuthClient, 'createdAt' | 'revokedAt' | 'lastUsedAt'>,
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
      last_used_at: null,
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

  async createKey(
    key: Omit<ApiKey, 'createdAt' | 'revokedAt' | 'lastUsedAt'>,
    secretHash: string,
  ): Promise<ApiKey> {
    const row = {
      id: key.id,
      tenant_id: key.tenantId,
      name: key.name,
      role: key.role,
      prefix: key.prefix,
      secret_hash: secretHash,
      created_at: new Date().toISOString(),
      revoked_at: null,
      last_used_at: null,
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

  async touchKey(id: string, at: string): Promise<void> {
    this.db
      .prepare(
        'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
      )
      .run(at, id, at);
  }

  async touchOAuthClient(id: string, at: string): Promise<void> {
    this.db
      .prepare(
        'UPDATE oauth_clients SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
      )
      .run(at, id, at);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
