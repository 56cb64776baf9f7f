import type { App, Catalog } from '../../catalog/catalog.port.ts';
import type { HitRegistry, HitUser, Media } from './hit-registry.port.ts';

const TTL_MS = 5000;

/** What the hit rules consult about a tenant, read once per few seconds, not per hit. */
export interface HitRegistrySnapshot {
  users: Map<string, HitUser>;
  /** Known users' e-mail addresses, lower-cased. */
  emails: Set<string>;
  medias: Map<string, Media>;
  /** Apps that are user interfaces, by origin number. */
  origins: Map<number, App>;
}

/**
 * Per-tenant cache of the statistic-hits registries (users, medias, user interfaces).
 * `invalidate` (on any admin change in this process) drops it at once; other processes
 * see a change within TTL_MS.
 */
export class HitSnapshots {
  private readonly tenants = new Map<string, { snapshot: HitRegistrySnapshot; until: number }>();

  constructor(
    private readonly registry: HitRegistry,
    private readonly catalog: Catalog,
  ) {}

  async snapshot(tenantId: string): Promise<HitRegistrySnapshot> {
    const now = Date.now();
    const hit = this.tenants.get(tenantId);
    if (hit && hit.until > now) return hit.snapshot;
    const [users, medias, apps] = await Promise.all([
      this.registry.listUsers(tenantId),
      this.registry.listMedias(tenantId),
      this.catalog.listApps(tenantId),
    ]);
    const snapshot: HitRegistrySnapshot = {
      users: new Map(users.map((u) => [u.id, u])),
      emails: new Set(users.flatMap((u) => (u.email ? [u.email.toLowerCase()] : []))),
      medias: new Map(medias.map((m) => [m.id, m])),
      origins: new Map(apps.flatMap((a) => (a.origin === null ? [] : [[a.origin, a] as const]))),
    };
    this.tenants.set(tenantId, { snapshot, until: now + TTL_MS });
    return snapshot;
  }

  invalidate(): void {
    this.tenants.clear();
  }
}
