import type { App, Catalog } from './catalog.port.ts';

const TTL_MS = 5000;

/**
 * Per-tenant map of apps by id and by name, for the ingest path: one catalog read per
 * tenant every few seconds instead of one per event.
 */
export class AppDirectory {
  private readonly tenants = new Map<string, { apps: App[]; byKey: Map<string, App>; until: number }>();

  constructor(private readonly catalog: Catalog) {}

  async lookup(tenantId: string): Promise<(idOrName: string) => App | undefined> {
    const { byKey } = await this.entry(tenantId);
    return (idOrName) => byKey.get(idOrName);
  }

  /** The tenant's apps. */
  async list(tenantId: string): Promise<readonly App[]> {
    return (await this.entry(tenantId)).apps;
  }

  private async entry(tenantId: string): Promise<{ apps: App[]; byKey: Map<string, App> }> {
    const now = Date.now();
    let entry = this.tenants.get(tenantId);
    if (!entry || entry.until <= now) {
      const byKey = new Map<string, App>();
      const apps = await this.catalog.listApps(tenantId);
      for (const app of apps) byKey.set(app.name, app);
      for (const app of apps) byKey.set(app.id, app); // an id wins over a name that looks like one
      entry = { apps, byKey, until: now + TTL_MS };
      this.tenants.set(tenantId, entry);
    }
    return entry;
  }

  invalidate(): void {
    this.tenants.clear();
  }
}
