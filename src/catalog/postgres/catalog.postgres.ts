import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Scope } from '../../domain/scopes.ts';
import type { Category } from '../../domain/categories.ts';
import { newId } from '../../domain/ids.ts';
import { openMigratedPool } from '../../storage/pg-migrations.ts';
import { type PgLocation } from '../../storage/postgres.ts';
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

interface TenantRow {
  id: string;
  name: string;
  created_at: string;
}
interface AppRow extends TenantRow {
  tenant_id: string;
  origin: number | null;
}
interface KeyRow extends TenantRow {
  tenant_id: string;
  role: Role;
  prefix: string;
  revoked_at: string | null;
  last_used_at: string | null;
}
interface ClientRow extends TenantRow {
  tenant_id: string;
  scopes: string;
  secret_hash: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

const toTenant = (r: TenantRow): Tenant => ({ id: r.id, name: r.name, createdAt: r.created_at });
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
const toClient = (r: ClientRow): OAuthClient => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  scopes: JSON.parse(r.scopes) as Scope[],
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at ?? null,
});

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === '23505';
/** Orders like the embedded catalog: byte-wise, whatever the database's collation. */
const BY_CREATION = 'ORDER BY created_at COLLATE "C", id COLLATE "C"';

/**
 * Catalog in PostgreSQL, for the scale profile: every ingest and worker process reads
 * the same tenants, apps and keys. Same tables and answers as the embedded catalog.
 */
export class PgCatalog implements Catalog {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(where: PgLocation, options: { migrate: boolean }): Promise<PgCatalog> {
    return new PgCatalog(await openMigratedPool(where, 4, options));
  }

  private async rows<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(text, params)).rows;
  }

  private async changed(text: string, params: unknown[]): Promise<number> {
    return (await this.pool.query(text, params)).rowCount ?? 0;
  }

  async createTenant(name: string): Promise<Tenant> {
    const row = { id: newId('ten'), name, created_at: new Date().toISOString() };
    await this.pool.query('INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)', [
      row.id,
      row.name,
      row.created_at,
    ]);
    return toTenant(row);
  }

  async listTenants(): Promise<Tenant[]> {
    return (await this.rows<TenantRow>(`SELECT * FROM tenants ${BY_CREATION}`)).map(toTenant);
  }

  async getTenant(id: string): Promise<Tenant | null> {
    const [row] = await this.rows<TenantRow>('SELECT * FROM tenants WHERE id = $1', [id]);
    return row ? toTenant(row) : null;
  }

  async renameTenant(id: string, name: string): Promise<Tenant | null> {
    await this.pool.query('UPDATE tenants SET name = $1 WHERE id = $2', [name, id]);
    return this.getTenant(id);
  }

  async createApp(tenantId: string, name: string): Promise<CreateOutcome<App>> {
    const row: AppRow = {
      id: newId('app'),
      tenant_id: tenantId,
      name,
      created_at: new Date().toISOString(),
      origin: null,
    };
    try {
      await this.pool.query('INSERT INTO apps (id, tenant_id, name, created_at) VALUES ($1, $2, $3, $4)', [
        row.id,
        row.tenant_id,
        row.name,
        row.created_at,
      ]);
    } catch (err) {
      if (isUniqueViolation(err)) return { outcome: 'name_taken' };
      throw err;
    }
    return { outcome: 'created', value: (await this.withMappings([row]))[0]! };
  }

  async listApps(tenantId: string): Promise<App[]> {
    return this.withMappings(
      await this.rows<AppRow>(`SELECT * FROM apps WHERE tenant_id = $1 ${BY_CREATION}`, [tenantId]),
    );
  }

  async findApp(tenantId: string, idOrName: string): Promise<App | null> {
    // An id wins over another app whose name happens to equal it.
    const [row] = await this.rows<AppRow>(
      'SELECT * FROM apps WHERE tenant_id = $1 AND (id = $2 OR name = $2) ORDER BY id = $2 DESC LIMIT 1',
      [tenantId, idOrName],
    );
    return row ? (await this.withMappings([row]))[0]! : null;
  }

  /** Apps with their event mappings, in one query for all of them. */
  private async withMappings(rows: AppRow[]): Promise<App[]> {
    if (rows.length === 0) return [];
    const mappings = await this.rows<{ app_id: string; event_name: string; category: Category }>(
      'SELECT * FROM event_mappings WHERE app_id = ANY($1) ORDER BY event_name COLLATE "C"',
      [rows.map((r) => r.id)],
    );
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

  async renameApp(tenantId: string, id: string, name: string): Promise<CreateOutcome<App> | null> {
    try {
      if (
        (await this.changed('UPDATE apps SET name = $1 WHERE tenant_id = $2 AND id = $3', [
          name,
          tenantId,
          id,
        ])) === 0
      )
        return null;
    } catch (err) {
      if (isUniqueViolation(err)) return { outcome: 'name_taken' };
      throw err;
    }
    const app = await this.findApp(tenantId, id);
    return app ? { outcome: 'created', value: app } : null;
  }

  async setEventMapping(tenantId: string, appId: string, mapping: EventMapping): Promise<App | null> {
    const app = await this.findApp(tenantId, appId);
    if (!app || app.id !== appId) return null;
    await this.pool.query(
      `INSERT INTO event_mappings (app_id, event_name, category) VALUES ($1, $2, $3)
       ON CONFLICT (app_id, event_name) DO UPDATE SET category = excluded.category`,
      [appId, mapping.eventName, mapping.category],
    );
    return this.findApp(tenantId, appId);
  }

  async removeEventMapping(tenantId: string, appId: string, eventName: string): Promise<App | null> {
    const app = await this.findApp(tenantId, appId);
    if (!app || app.id !== appId) return null;
    await this.pool.query('DELETE FROM event_mappings WHERE app_id = $1 AND event_name = $2', [
      appId,
      eventName,
    ]);
    return this.findApp(tenantId, appId);
  }

  async setAppOrigin(
    tenantId: string,
    appId: string,
    origin: number | null,
  ): Promise<CreateOutcome<App> | null> {
    try {
      if (
        (await this.changed('UPDATE apps SET origin = $1 WHERE tenant_id = $2 AND id = $3', [
          origin,
          tenantId,
          appId,
        ])) === 0
      )
        return null;
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
    await this.pool.query(
      `INSERT INTO oauth_clients (id, tenant_id, name, scopes, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.id, row.tenant_id, row.name, row.scopes, row.secret_hash, row.created_at],
    );
    return toClient(row);
  }

  async listOAuthClients(tenantId: string): Promise<OAuthClient[]> {
    return (
      await this.rows<ClientRow>(`SELECT * FROM oauth_clients WHERE tenant_id = $1 ${BY_CREATION}`, [
        tenantId,
      ])
    ).map(toClient);
  }

  async revokeOAuthClient(tenantId: string, id: string): Promise<OAuthClient | null> {
    const [row] = await this.rows<ClientRow>(
      `UPDATE oauth_clients SET revoked_at = coalesce(revoked_at, $1) WHERE tenant_id = $2 AND id = $3 RETURNING *`,
      [new Date().toISOString(), tenantId, id],
    );
    return row ? toClient(row) : null;
  }

  async findOAuthClient(id: string): Promise<{ client: OAuthClient; secretHash: string } | null> {
    const [row] = await this.rows<ClientRow>('SELECT * FROM oauth_clients WHERE id = $1', [id]);
    return row ? { client: toClient(row), secretHash: row.secret_hash } : null;
  }

  async tokenSigningKey(): Promise<string> {
    // Insert if absent, then read: processes starting together agree on one key.
    await this.pool.query(
      `INSERT INTO settings (name, value) VALUES ('token_signing_key', $1) ON CONFLICT DO NOTHING`,
      [randomBytes(32).toString('base64url')],
    );
    const [row] = await this.rows<{ value: string }>(
      "SELECT value FROM settings WHERE name = 'token_signing_key'",
    );
    return row!.value;
  }

  async createKey(
    key: Omit<ApiKey, 'createdAt' | 'revokedAt' | 'lastUsedAt'>,
    secretHash: string,
  ): Promise<ApiKey> {
    const row: KeyRow = {
      id: key.id,
      tenant_id: key.tenantId,
      name: key.name,
      role: key.role,
      prefix: key.prefix,
      created_at: new Date().toISOString(),
      revoked_at: null,
      last_used_at: null,
    };
    await this.pool.query(
      `INSERT INTO api_keys (id, tenant_id, name, role, prefix, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.id, row.tenant_id, row.name, row.role, row.prefix, secretHash, row.created_at],
    );
    return toKey(row);
  }

  async listKeys(tenantId: string): Promise<ApiKey[]> {
    return (
      await this.rows<KeyRow>(`SELECT * FROM api_keys WHERE tenant_id = $1 ${BY_CREATION}`, [tenantId])
    ).map(toKey);
  }

  async revokeKey(tenantId: string, id: string): Promise<ApiKey | null> {
    const [row] = await this.rows<KeyRow>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE tenant_id = $2 AND id = $3 RETURNING *`,
      [new Date().toISOString(), tenantId, id],
    );
    return row ? toKey(row) : null;
  }

  async findKeyByHash(secretHash: string): Promise<ApiKey | null> {
    const [row] = await this.rows<KeyRow>('SELECT * FROM api_keys WHERE secret_hash = $1', [secretHash]);
    return row ? toKey(row) : null;
  }

  async touchKey(id: string, at: string): Promise<void> {
    await this.pool.query(
      'UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)',
      [id, at],
    );
  }

  async touchOAuthClient(id: string, at: string): Promise<void> {
    await this.pool.query(
      'UPDATE oauth_clients SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)',
      [id, at],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
