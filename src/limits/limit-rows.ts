import type { LimitSettings, TenantLimitSettings } from './limit-store.port.ts';

/** The scope of a tenant's own settings; any other scope is a key's id. */
export const TENANT_SCOPE = '*';

export interface SettingsRow {
  tenant_id: string;
  scope: string;
  settings: string;
}

/** Rows of `limit_settings`, grouped by tenant. */
export function groupSettings(rows: readonly SettingsRow[]): TenantLimitSettings[] {
  const byTenant = new Map<string, TenantLimitSettings>();
  for (const r of rows) {
    let t = byTenant.get(r.tenant_id);
    if (!t) byTenant.set(r.tenant_id, (t = { tenantId: r.tenant_id, tenant: {}, keys: {} }));
    const settings = JSON.parse(r.settings) as LimitSettings;
    if (r.scope === TENANT_SCOPE) t.tenant = settings;
    else t.keys[r.scope] = settings;
  }
  return [...byTenant.values()];
}
