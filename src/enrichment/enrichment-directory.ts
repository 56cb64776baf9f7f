import type { Catalog } from '../catalog/catalog.ts';
import { IpRangeIndex } from './ip-ranges.ts';

/** How often another process's range import is looked for. */
const CHECK_MS = 5000;

/**
 * Per tenant, the IP range index and the defined metrics, for the ingest path. The
 * index (hundreds of milliseconds to build for 100,000 ranges) is rebuilt only when the
 * table's version changes; the version is read at most every CHECK_MS.
 */
export class EnrichmentDirectory {
  private readonly tenants = new Map<
    string,
    { index: IpRangeIndex; version: number; metrics: Set<string>; checkedAt: number }
  >();

  constructor(private readonly catalog: Catalog) {}

  async forTenant(tenantId: string): Promise<{ ranges: IpRangeIndex; metrics: Set<string> }> {
    const now = Date.now();
    let entry = this.tenants.get(tenantId);
    if (!entry || now - entry.checkedAt >= CHECK_MS) {
      const [version, metrics] = await Promise.all([
        this.catalog.ipRangesVersion(tenantId),
        this.catalog.listMetrics(tenantId),
      ]);
      const index =
        entry && entry.version === version
          ? entry.index
          : new IpRangeIndex(await this.catalog.listIpRanges(tenantId));
      entry = { index, version, metrics: new Set(metrics.map((m) => m.key)), checkedAt: now };
      this.tenants.set(tenantId, entry);
    }
    return { ranges: entry.index, metrics: entry.metrics };
  }

  /** Called on changes in this process: the next request reads the catalog again. */
  invalidate(): void {
    for (const entry of this.tenants.values()) entry.checkedAt = 0;
  }
}
