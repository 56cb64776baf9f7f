import type pg from 'pg';
import { openMigratedPool } from '../../storage/pg-migrations.ts';
import type { PgLocation } from '../../storage/postgres.ts';
import type { LimitSettings, LimitStore, TenantLimitSettings, Usage } from '../limit-store.port.ts';
import { groupSettings, TENANT_SCOPE, type SettingsRow } from '../limit-rows.ts';
import { limitsMigrations } from '../limits.migrations.ts';

/** Limit settings and quota usage in PostgreSQL, beside the catalog: shared by every process of the scale profile. */
export class PgLimitStore implements LimitStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(where: PgLocation, options: { migrate: boolean }): Promise<PgLimitStore> {
    return new PgLimitStore(
      await openMigratedPool(where, 2, {
        ...options,
        modules: [{ module: 'limits', steps: limitsMigrations }],
      }),
    );
  }

  async get(tenantId: string): Promise<TenantLimitSettings> {
    const { rows } = await this.pool.query<SettingsRow>('SELECT * FROM limit_settings WHERE tenant_id = $1', [
      tenantId,
    ]);
    return groupSettings(rows)[0] ?? { tenantId, tenant: {}, keys: {} };
  }

  async all(): Promise<TenantLimitSettings[]> {
    return groupSettings((await this.pool.query<SettingsRow>('SELECT * FROM limit_settings')).rows);
  }

  async setTenant(tenantId: string, settings: LimitSettings): Promise<void> {
    await this.put(tenantId, TENANT_SCOPE, settings);
  }

  async setKey(tenantId: string, keyId: string, settings: LimitSettings | null): Promise<void> {
    await this.put(tenantId, keyId, settings);
  }

  private async put(tenantId: string, scope: string, settings: LimitSettings | null): Promise<void> {
    if (settings === null || Object.keys(settings).length === 0)
      await this.pool.query('DELETE FROM limit_settings WHERE tenant_id = $1 AND scope = $2', [
        tenantId,
        scope,
      ]);
    else
      await this.pool.query(
        'INSERT INTO limit_settings (tenant_id, scope, settings) VALUES ($1, $2, $3) ' +
          'ON CONFLICT (tenant_id, scope) DO UPDATE SET settings = excluded.settings',
        [tenantId, scope, JSON.stringify(settings)],
      );
  }

  async addUsage(rows: readonly Usage[]): Promise<void> {
    if (rows.length === 0) return;
    await this.pool.query(
      'INSERT INTO quota_usage (tenant_id, period, events) ' +
        'SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ' +
        'ON CONFLICT (tenant_id, period) DO UPDATE SET events = quota_usage.events + excluded.events',
      [rows.map((r) => r.tenantId), rows.map((r) => r.period), rows.map((r) => r.events)],
    );
  }

  async usage(tenantId: string, periods: readonly string[]): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ period: string; events: string }>(
      'SELECT period, events FROM quota_usage WHERE tenant_id = $1 AND period = ANY($2::text[])',
      [tenantId, periods],
    );
    const found = new Map(rows.map((r) => [r.period, Number(r.events)]));
    return Object.fromEntries(periods.map((p) => [p, found.get(p) ?? 0]));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
