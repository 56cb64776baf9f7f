import type { MetricRegistry } from './metric-registry.port.ts';

const TTL_MS = 5000;

/** Per tenant, the keys of the defined metrics, for the ingest path: read once per few seconds, not per request. */
export class MetricSet {
  private readonly tenants = new Map<string, { keys: Set<string>; until: number }>();

  constructor(private readonly registry: MetricRegistry) {}

  async keys(tenantId: string): Promise<Set<string>> {
    const now = Date.now();
    const hit = this.tenants.get(tenantId);
    if (hit && hit.until > now) return hit.keys;
    const keys = new Set((await this.registry.list(tenantId)).map((m) => m.key));
    this.tenants.set(tenantId, { keys, until: now + TTL_MS });
    return keys;
  }

  invalidate(): void {
    this.tenants.clear();
  }
}
