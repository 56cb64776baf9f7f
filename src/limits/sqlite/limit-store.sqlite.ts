import type Database from 'better-sqlite3';
import { openSqlite } from '../../storage/sqlite.ts';
import type { LimitSettings, LimitStore, TenantLimitSettings, Usage } from '../limit-store.port.ts';
import { groupSettings, TENANT_SCOPE, type SettingsRow } from '../limit-rows.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS limit_settings (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), scope TEXT NOT NULL,
    settings TEXT NOT NULL, PRIMARY KEY (tenant_id, scope));
  CREATE TABLE IF NOT EXISTS quota_usage (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), period TEXT NOT NULL,
    events INTEGER NOT NULL, PRIMARY KEY (tenant_id, period));
`;

/** Limit settings and quota usage in the embedded catalog file (catalog.db), on a connection of their own. */
export class SqliteLimitStore implements LimitStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file, SCHEMA, { pragmas: ['foreign_keys = ON'] });
  }

  async get(tenantId: string): Promise<TenantLimitSettings> {
    const rows = this.db
      .prepare<[string], SettingsRow>('SELECT * FROM limit_settings WHERE tenant_id = ?')
      .all(tenantId);
    return groupSettings(rows)[0] ?? { tenantId, tenant: {}, keys: {} };
  }

  async all(): Promise<TenantLimitSettings[]> {
    return groupSettings(this.db.prepare<[], SettingsRow>('SELECT * FROM limit_settings').all());
  }

  async setTenant(tenantId: string, settings: LimitSettings): Promise<void> {
    this.put(tenantId, TENANT_SCOPE, settings);
  }

  async setKey(tenantId: string, keyId: string, settings: LimitSettings | null): Promise<void> {
    this.put(tenantId, keyId, settings);
  }

  private put(tenantId: string, scope: string, settings: LimitSettings | null): void {
    if (settings === null || Object.keys(settings).length === 0)
      this.db.prepare('DELETE FROM limit_settings WHERE tenant_id = ? AND scope = ?').run(tenantId, scope);
    else
      this.db
        .prepare(
          'INSERT INTO limit_settings (tenant_id, scope, settings) VALUES (?, ?, ?) ' +
            'ON CONFLICT (tenant_id, scope) DO UPDATE SET settings = excluded.settings',
        )
        .run(tenantId, scope, JSON.stringify(settings));
  }

  async addUsage(rows: readonly Usage[]): Promise<void> {
    const add = this.db.prepare(
      'INSERT INTO quota_usage (tenant_id, period, events) VALUES (?, ?, ?) ' +
        'ON CONFLICT (tenant_id, period) DO UPDATE SET events = events + excluded.events',
    );
    this.db.transaction(() => {
      for (const r of rows) add.run(r.tenantId, r.period, r.events);
    })();
  }

  async usage(tenantId: string, periods: readonly string[]): Promise<Record<string, number>> {
    const get = this.db.prepare<[string, string], { events: number }>(
      'SELECT events FROM quota_usage WHERE tenant_id = ? AND period = ?',
    );
    return Object.fromEntries(periods.map((p) => [p, get.get(tenantId, p)?.events ?? 0]));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
