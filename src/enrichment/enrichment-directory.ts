import type { IpRangeTable } from './ip-range-table.port.ts';
import { IpRangeIndex } from './ip-ranges.ts';

/** How often another process's range import is looked for. */
const CHECK_MS = 5000;

/**
 * Per tenant, the IP range index, for the ingest path. The index (hundreds of
 * milliseconds to build for 100,000 ranges) is rebuilt only when the table's version
 * changes; the version is read at most every CHECK_MS.
 */
export class EnrichmentDirectory {
  private readonly tenants = new Map<string, { index: IpRangeIndex; version: number; checkedAt: number }>();

  constructor(private readonly table: IpRangeTable) {}

  async ranges(tenantId: string): Promise<IpRangeIndex> {
    const now = Date.now();
    let entry = this.tenants.get(tenantId);
    if (!entry || now - entry.checkedAt >= CHECK_MS) {
      const version = await this.table.version(tenantId);
      const index =
        entry && entry.version === version ? entry.index : new IpRangeIndex(await this.table.list(tenantId));
      entry = { index, version, checkedAt: now };
      this.tenants.set(tenantId, entry);
    }
    return entry.index;
  }

  /** Called on changes in this process: the next request reads the table's version again. */
  invalidate(): void {
    for (const entry of this.tenants.values()) entry.checkedAt = 0;
  }
}
