import type { LimitSettings, LimitStore, TenantLimitSettings } from './limit-store.port.ts';
import { Quotas } from './quotas.ts';

/** How often settings and quota counts are written and read again (the scale profile's processes agree within this). */
export const REFRESH_MS = 1000;

/**
 * What tenants' admins set of their limits, held in memory for ingest (a lookup per
 * request, no query), refreshed from the limit store every second with the quotas'
 * counts; a change made through this process applies at once.
 */
export class LimitSettingsCache {
  private byTenant = new Map<string, TenantLimitSettings>();
  readonly quotas = new Quotas((tenantId) => this.byTenant.get(tenantId)?.tenant);
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    readonly store: LimitStore,
    private readonly onError: (err: Error) => void,
  ) {}

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  tenant(tenantId: string): LimitSettings | undefined {
    return this.byTenant.get(tenantId)?.tenant;
  }

  key(tenantId: string, keyId: string): LimitSettings | undefined {
    return this.byTenant.get(tenantId)?.keys[keyId];
  }

  /** After an admin's change here: this process applies it now. */
  async changed(tenantId: string): Promise<void> {
    this.byTenant.set(tenantId, await this.store.get(tenantId));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.refresh();
  }

  private refresh(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.reload())
      .catch((err: unknown) => this.onError(err as Error));
    return this.flushing;
  }

  private async reload(): Promise<void> {
    const all = await this.store.all();
    this.byTenant = new Map(all.map((t) => [t.tenantId, t]));
    const withQuotas = all
      .filter((t) => t.tenant.eventsPerDay !== undefined || t.tenant.eventsPerMonth !== undefined)
      .map((t) => t.tenantId);
    await this.quotas.flush(this.store, withQuotas);
  }
}
