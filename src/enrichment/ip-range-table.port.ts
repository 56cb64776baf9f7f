/**
 * IpRangeTable port: each tenant's table of IP ranges and the organisations they belong
 * to, which resolves an event's address to a company (companies.ts). Kept beside the
 * catalog, in the same database; replaced whole, never edited line by line.
 */
import type { IpRange } from '../domain/ip-range.ts';

export interface IpRangeTable {
  /** Replaces the tenant's whole table in one transaction. */
  replace(tenantId: string, ranges: readonly IpRange[]): Promise<void>;
  list(tenantId: string): Promise<IpRange[]>;
  /** Changes whenever the tenant's table is replaced: caches rebuild only then. 0 before the first. */
  version(tenantId: string): Promise<number>;
  close(): Promise<void>;
}
